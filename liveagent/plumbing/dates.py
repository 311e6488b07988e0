"""LiveAgent's dates: ``YYYY-MM-DD HH:MM:SS`` in the account's time zone (``settings.LIVEAGENT_TIME_ZONE``,
UTC by default; LiveAgent's own default is GMT), with no offset written."""

import functools
import zoneinfo
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core import checks

from liveagent.plumbing.errors import InvalidParameter

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@functools.cache
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def time_zone() -> zoneinfo.ZoneInfo:
    # Read on each call, so that a test's settings override applies.
    return _zone(settings.LIVEAGENT_TIME_ZONE)


def datetime_out(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # stored times are UTC (USE_TZ); a naive one can only be UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(time_zone()).strftime(DATETIME_FORMAT)


def datetime_in(value: str, *, parameter: str) -> datetime:
    """A ``YYYY-MM-DD HH:MM:SS`` parameter, read in the account's time zone; a 400 naming ``parameter`` for
    anything else (reference §1: bad input is never a 5xx)."""
    try:
        # In UTC at once: a date at the calendar's edge (0001-01-01 east of UTC) fails here, not in the query.
        return datetime.strptime(value.strip(), DATETIME_FORMAT).replace(tzinfo=time_zone()).astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidParameter(parameter, f"{parameter}: expected a date as YYYY-MM-DD HH:MM:SS.") from None


def check_time_zone(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A misspelt zone would otherwise fail every LiveAgent request that writes a date, as a 500."""
    name = settings.LIVEAGENT_TIME_ZONE
    if name in zoneinfo.available_timezones():
        return []
    return [checks.Error(f"LIVEAGENT_TIME_ZONE {name!r} is not a known time zone.", id="liveagent.E001")]
