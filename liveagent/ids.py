"""LiveAgent's opaque string ids for our integer rows (reference §4.1).

An id is sqids over ``[kind, primary key, …]``: globally unique (an agent's ``userid`` and a customer's never
collide although both tables start at 1), decoded to the row without a lookup table, and needing no column.
The alphabet, the minimum length and the empty blocklist are frozen: sqids' default blocklist changes
between its releases, and an id once given to a client must mean the same row forever
(``tests/liveagent/test_ids.py`` pins examples). Decoding re-encodes and compares (sqids decodes many
strings to numbers that encode differently), so every row has exactly one id.
"""

from enum import IntEnum
from functools import lru_cache

from sqids import Sqids

# A fixed permutation of [a-z0-9]; never change it, nor MIN_LENGTH.
ALPHABET = "k3v8q1zjx5wr0tnp7yc2hfg6mbs9ldea4uio"
MIN_LENGTH = 8

_sqids = Sqids(alphabet=ALPHABET, min_length=MIN_LENGTH, blocklist=[])


class Kind(IntEnum):
    """What an id names. Values are part of every id: never renumber, only add."""

    AGENT_USER = 1
    AGENT_CONTACT = 2
    CUSTOMER_CONTACT = 3
    CUSTOMER_USER = 4
    CONVERSATION = 5
    MESSAGE_GROUP = 6
    MESSAGE = 7
    DEPARTMENT = 8
    TAG = 9
    CUSTOMER_GROUP = 10
    COMPANY = 11
    WIDGET = 12
    KNOWLEDGE_BASE = 13


@lru_cache(maxsize=65_536)
def id_encode(kind: Kind, *numbers: int) -> str:
    """Cached: sqids shuffles its alphabet for every number (some 50 µs an id), and a page names the same
    departments, tags and agents over and over."""
    return _sqids.encode([int(kind), *numbers])


def id_decode(kind: Kind, value: str, *, parts: int = 1) -> tuple[int, ...] | None:
    """The numbers ``value`` encodes after ``kind``, or None when it is no id of that kind with that many
    numbers, or not the one canonical spelling of them."""
    if not value or len(value) > 64 or not value.isascii():
        return None
    numbers = _sqids.decode(value)
    if len(numbers) != parts + 1 or numbers[0] != kind or _sqids.encode(numbers) != value:
        return None
    return tuple(numbers[1:])


def pk_decode(kind: Kind, value: str) -> int | None:
    """The primary key ``value`` names, if it is an id of this kind."""
    decoded = id_decode(kind, value)
    return decoded[0] if decoded is not None else None
