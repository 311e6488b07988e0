"""``limit``/``offset`` (``limitcount``/``limitfrom`` in reports): each operation has its own default and
maximum (reference §2, "Paging"). A limit above the maximum is clamped; a negative or non-numeric value is
a 400 (the seed's 500, read as 400 per the reference's decision on bad input)."""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from liveagent.plumbing.errors import InvalidParameter

_WHOLE_NUMBER = re.compile(r"[0-9]+")
# Beyond any table we hold, and within the databases' 64-bit OFFSET.
_MAX_OFFSET = 2**31 - 1


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int

    @property
    def slice(self) -> slice:
        return slice(self.offset, self.offset + self.limit)


def _whole_number(params: Mapping[str, str], name: str, default: int) -> int:
    raw = params.get(name, "").strip()
    if raw == "":
        return default
    if not _WHOLE_NUMBER.fullmatch(raw):
        raise InvalidParameter(name, f"Parameter {name} must be a whole number of at least 0.")
    # Python refuses to convert very long digit strings; anything this long is beyond every maximum.
    return int(raw) if len(raw) <= 18 else 10**18


def page_from(
    params: Mapping[str, str],
    *,
    default_limit: int,
    max_limit: int,
    limit_name: str = "limit",
    offset_name: str | None = "offset",
) -> Page:
    """``offset_name=None`` for operations without one (knowledge base search)."""
    limit = min(_whole_number(params, limit_name, default_limit), max_limit)
    offset = _whole_number(params, offset_name, 0) if offset_name else 0
    if offset_name and offset > _MAX_OFFSET:
        raise InvalidParameter(offset_name, f"Parameter {offset_name} must be at most {_MAX_OFFSET}.")
    return Page(limit=limit, offset=offset)
