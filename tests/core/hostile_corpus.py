"""The hostile inputs of tests/core/test_hostile_input.py, and how each dialect's request forms carry them.

A value is a Python object: ``str`` (may hold lone surrogates and NUL), ``bytes`` (raw bytes, for invalid
UTF-8: spliced raw into a JSON body, percent-encoded in a query or form), ``Raw`` (JSON text spliced as is:
``NaN``, ``1e400``, 3,000 nested brackets), or any JSON value (objects, huge integers...)."""

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote


@dataclass(frozen=True)
class Raw:
    """JSON text put in a body as it is (what ``json.dumps`` cannot write)."""

    text: str

    def __str__(self) -> str:
        return self.text


DEEP = 3_000  # brackets: past Python's recursion limit, a 6 KB body

# Values put in a request's fields, by class. Every route meets every class.
VALUE_CLASSES: dict[str, list[Any]] = {
    "surrogate": ["\ud800", "a\udfffb", "\udc00\udc00"],
    "nul": ["a\x00b", "\x00", "%00\x00"],
    "bad_utf8": [b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"],
    "long": ["x" * 300, "y" * 5_000, "é" * 60_000, "_%" * 25_001],
    "types": [
        {},
        [],
        None,
        True,
        False,
        2**64,
        -(2**63) - 1,
        2**63,
        2**63 - 1,
        1e308,
        Raw("1e400"),
        Raw("NaN"),
        Raw("-Infinity"),
        Raw("1" * 5_000),
        -1,
        0,
        1.5,
        {"id": 1},
        [[1]],
        "-1",
        "0",
        str(2**64),
        "1e400",
        "NaN",
        "Infinity",
        "١٢",
        "0x1F",
        " 1 ",
        "1.0",
        "9" * 30,
    ],
    "dates": [
        "0000-01-01T00:00:00Z",
        "99999-01-01T00:00:00Z",
        "2026-02-30T10:00:00Z",
        "2026-01-01T00:00:00+25:00",
        "2026-01-01T00:00:00+99:99",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "2026-01-01T25:61:61Z",
        "0000-00-00 00:00:00",
        "2026-02-30 00:00:00",
        "0001-01-01 00:00:00",
        "9999-12-31 23:59:59",
        "-2026-01-01",
        "2026-13-01",
        "> 0001-01-01 00:00:00",
        "1e400",
    ],
    "blank": ["", " ", "\t\r\n", "\u3000", "\u200b\u200b", "\ufeff"],
    "nesting": [Raw("[" * DEEP + "]" * DEEP), Raw('{"a":' * DEEP + "1" + "}" * DEEP), "[" * DEEP],
    "filenames": ["..", ".", "/etc/passwd", "a/../../b", "..\\..\\x", "f" * 10_000 + ".txt", "\ud800.txt", "a\x00.txt"],
    "sql": ["' OR 1=1 --", "%", "_", "\\", "%_\\%", "'; DROP TABLE x; --", "\\x00", "*"],
}

FILENAMES = VALUE_CLASSES["filenames"]

# Query parameters every route receives in the "paging" class: the ones of every list in both dialects
# (unknown ones are ignored), at values whose OFFSET would overflow a 64-bit integer.
PAGING = [
    {"page": str(2**62), "pageSize": "100", "limit": "100", "offset": str(2**63), "limitfrom": str(2**63)},
    {"page": "9" * 40, "pageSize": "-1", "limit": "-5", "offset": "-1", "limitcount": "9" * 40},
    {"page": "0", "pageSize": "0", "limit": str(2**64), "offset": "1e3", "limitfrom": "NaN", "limitcount": "0x10"},
    {
        "page": str(2**31),
        "pageSize": str(2**31),
        "limit": "",
        "offset": " ",
        "sortField": "\x00",
        "sortOrder": "\ud800",
    },
]

# Values put in the route's path parameters (percent-encoded as a client would send them).
PATH_VALUES = [
    "0",
    "-1",
    "000000000000000001",
    "999999999999999999",
    str(2**63),
    "9" * 40,
    "..",
    "%2e%2e",
    "%00",
    "%ED%A0%80",
    "%FF%FE",
    "x" * 10_000,
    "%20",
    "1.5",
    "null",
    "%25",
]

# Content types a body may be sent with that the dialect does not take, or takes with a twist.
CONTENT_TYPES: list[tuple[str, bytes]] = [
    ("text/plain", b"hello"),
    (
        "application/xml",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]><x>&b;</x>',
    ),
    ("application/x-yaml", b"a: &a [1,1,1]\nb: [*a,*a,*a]\n"),
    ("multipart/form-data", b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n'),
    ("multipart/form-data; boundary=", b"--\r\n--\r\n"),
    ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated'),
    ("application/json; charset=bogus-charset", b'{"a": "b"}'),
    ("application/json; charset=utf-16", '{"a": "b"}'.encode("utf-16")),
    ("application/x-www-form-urlencoded; charset=bogus-charset", b"a=b"),
    ("application/x-www-form-urlencoded", b"a=%ZZ&=&&%00=%00&b"),
    ("application/json", b'{"a": '),
    ("application/json", b"\xef\xbb\xbf{}"),
    ("application/json", b'"just a string"'),
    ("application/json", b"[1, 2]"),
    ("application/json", b"null"),
    ("", b"a=b"),
    ("*/*", b"{}"),
    ("application/json", b"{" + b'"a": 1, ' * 20_000 + b'"b": 2}'),
]

# Headers as a WSGI server delivers them: ISO-8859-1 text, so a lone surrogate arrives as the bytes UTF-8
# would give it (``\xed\xa0\x80``), each as one character.
_SURROGATE_IN_HEADER = "\ud800".encode("utf-8", "surrogatepass").decode("latin-1")
HEADERS: list[dict[str, str]] = [
    {"HTTP_ACCEPT": _SURROGATE_IN_HEADER, "HTTP_ACCEPT_LANGUAGE": _SURROGATE_IN_HEADER + ";q=x"},
    {"HTTP_ACCEPT": "application/xml;q=0.1, text/html, */*;q=nan", "HTTP_ACCEPT_ENCODING": "\x00"},
    {"HTTP_ORIGIN": "http://" + _SURROGATE_IN_HEADER, "HTTP_REFERER": "\xff" * 5_000},
    {"HTTP_X_FORWARDED_FOR": "\x00, " + _SURROGATE_IN_HEADER, "HTTP_USER_AGENT": "\x00" * 100},
    {"HTTP_COOKIE": "sessionid=" + _SURROGATE_IN_HEADER + "; csrftoken=\x00", "HTTP_IF_NONE_MATCH": "\xff"},
    {"HTTP_RANGE": "bytes=99999999999999999999-", "HTTP_IF_MODIFIED_SINCE": "Feb 30 0000"},
    {"HTTP_CONTENT_ENCODING": "gzip", "HTTP_TRANSFER_ENCODING": "chunked, \xff"},
    {"HTTP_X_HTTP_METHOD_OVERRIDE": "DELETE", "HTTP_X_REQUESTED_WITH": _SURROGATE_IN_HEADER},
]

# Keys that match nothing, each sent from its own address so that the failed-authentication limit
# (20 a minute from one address) is never reached by this corpus.
BAD_KEYS = [
    _SURROGATE_IN_HEADER,
    "\x00",
    "k" * 10_000,
    " ",
    "\xff\xfe",
]


# --- Encoding values in each form -----------------------------------------------------------------------


def text_of(value: Any) -> str | bytes:
    """A value as a form or query string would carry it."""
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json_text(value).decode("utf-8", "surrogatepass")
    return str(value)


def as_bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


def percent(value: Any) -> str:
    return quote(as_bytes(text_of(value)), safe="")


def query_string(pairs: list[tuple[Any, Any]]) -> str:
    return "&".join(f"{percent(name)}={percent(value)}" for name, value in pairs)


def json_text(value: Any) -> bytes:
    """JSON with ``Raw`` and ``bytes`` spliced in as they are."""
    if isinstance(value, Raw):
        return value.text.encode()
    if isinstance(value, bytes):
        return b'"' + value + b'"'
    if isinstance(value, dict):
        return b"{" + b",".join(json_text(str(k)) + b":" + json_text(v) for k, v in value.items()) + b"}"
    if isinstance(value, list):
        return b"[" + b",".join(json_text(v) for v in value) + b"]"
    if isinstance(value, float) and value != value:
        return b"NaN"
    return json.dumps(value).encode()


def json_duplicated(value: dict, duplicate: Any) -> bytes:
    """An object whose every key appears twice, the second time with ``duplicate``."""
    pairs = [json_text(str(k)) + b":" + json_text(v) for k, v in value.items()]
    pairs += [json_text(str(k)) + b":" + json_text(duplicate) for k in value]
    return b"{" + b",".join(pairs) + b"}"


BOUNDARY = "hostileBoundary7MA4YWxk"


def _quoted(value: Any) -> bytes:
    return as_bytes(text_of(value)).replace(b'"', b"%22").replace(b"\r", b"%0D").replace(b"\n", b"%0A")


def multipart(pairs: list[tuple[Any, Any]], filename: Any) -> bytes:
    parts = []
    for name, value in pairs:
        parts.append(
            b"--" + BOUNDARY.encode() + b"\r\n"
            b'Content-Disposition: form-data; name="'
            + _quoted(name)
            + b'"\r\n\r\n'
            + as_bytes(text_of(value))
            + b"\r\n"
        )
    parts.append(
        b"--" + BOUNDARY.encode() + b"\r\n"
        b'Content-Disposition: form-data; name="file"; filename="' + _quoted(filename) + b'"\r\n'
        b"Content-Type: text/plain\r\n\r\nhello\r\n"
    )
    return b"".join(parts) + b"--" + BOUNDARY.encode() + b"--\r\n"
