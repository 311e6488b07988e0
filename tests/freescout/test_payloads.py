"""The small formatters every payload uses: ``date_out`` (the API's dates) and ``waiting_since_friendly``; the
collector held off while payloads are built (``collector_paused``)."""

import datetime
import gc
import zoneinfo

import pytest

from conversations.pages import waiting_since_friendly
from freescout.payloads import collector_paused, date_out

UTC = datetime.UTC
EST = datetime.timezone(datetime.timedelta(hours=-5))


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (None, None),
        (datetime.datetime(2024, 2, 29, 23, 59, 58, 999999, tzinfo=UTC), "2024-02-29T23:59:58Z"),
        (datetime.datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC), "0999-01-02T03:04:05Z"),
        (datetime.datetime(2024, 3, 1, 1, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")), "2024-03-01T00:30:00Z"),
        (datetime.datetime(2024, 3, 1, 1, 30, tzinfo=zoneinfo.ZoneInfo("UTC")), "2024-03-01T01:30:00Z"),
        (datetime.datetime(2024, 3, 1, 1, 30, tzinfo=EST), "2024-03-01T06:30:00Z"),
    ],
)
def test_date_out_writes_utc_seconds_with_z(moment, expected):
    assert date_out(moment) == expected


NOW = datetime.datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ago", "expected"),
    [
        (datetime.timedelta(seconds=-5), "Just now"),
        (datetime.timedelta(seconds=59), "Just now"),
        (datetime.timedelta(minutes=1), "1 minute ago"),
        (datetime.timedelta(minutes=59, seconds=59), "59 minutes ago"),
        (datetime.timedelta(hours=1), "1 hour ago"),
        (datetime.timedelta(hours=23, minutes=59), "23 hours ago"),
        (datetime.timedelta(days=1), "Nov 20"),
        (NOW - datetime.datetime(2026, 1, 5, tzinfo=UTC), "Jan 5"),
        (NOW - datetime.datetime(2025, 12, 31, tzinfo=UTC), "Dec 31, 2025"),
    ],
)
def test_waiting_since_friendly(ago, expected):
    assert waiting_since_friendly(NOW - ago, NOW) == expected
    assert waiting_since_friendly(None, NOW) == ""


def test_the_collector_is_paused_while_payloads_are_built_and_left_as_it_was():
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        assert not gc.isenabled()
        raise ValueError
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
