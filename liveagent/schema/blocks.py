"""The JSON Schema (2020-12, as OpenAPI 3.1 uses it) building blocks of LiveAgent's bodies (reference §1, §3).

Every builder returns a new plain dict with no ``$ref``, so that a schema can be walked field by field (the
test suite checks XML element names and key order that way) and dropped as is into the OpenAPI document.
Scalars are JSON strings, even counts (``"filesize": "12456"``); the only JSON ints are ``statuscode`` and the
overview counters (§1)."""

from typing import Any

Schema = dict[str, Any]

# LiveAgent's datetime: no offset, no fraction (liveagent.plumbing.dates).
DATETIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$"
# Our ids are sqids over [kind, pk] (liveagent.ids): lowercase letters and digits, at least 8 of them. A
# ``str(pk)`` (the mistake §4.1 warns about) fails this.
ID_PATTERN = r"^[a-z0-9]{8,}$"


def text() -> Schema:
    return {"type": "string"}


def identifier() -> Schema:
    return {"type": "string", "pattern": ID_PATTERN}


def datetime() -> Schema:
    return {"type": "string", "pattern": DATETIME_PATTERN}


def whole_number() -> Schema:
    """An ``int`` field, written as a JSON string (§1: ``"messagegroupsin":"2"``)."""
    return {"type": "string", "pattern": r"^[0-9]+$"}


def counter() -> Schema:
    """A JSON int: only the chat and call overview counters are (§1)."""
    return {"type": "integer", "minimum": 0}


def codes(*values: str) -> Schema:
    """A constlist: one of the codes §3.1 lists."""
    return {"type": "string", "enum": list(values)}


def empty() -> Schema:
    """A field we always leave empty by decision (``authtoken``: a read API mints no login tokens)."""
    return {"type": "string", "const": ""}


def pattern(regex: str) -> Schema:
    return {"type": "string", "pattern": regex}


def nullable(schema: Schema) -> Schema:
    """Absent values are null in conversation and customer bodies (§1), where a value may be missing."""
    result = dict(schema)
    result["type"] = [schema["type"], "null"]
    if "enum" in schema:
        result["enum"] = [*schema["enum"], None]
    return result


def record(**fields: Schema) -> Schema:
    """An object with exactly these fields, in this order: every one required, no other allowed. The order
    of ``properties`` is the documented order, which answers keep (the test suite checks it)."""
    return {"type": "object", "properties": fields, "required": list(fields), "additionalProperties": False}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def envelope(body: Schema) -> Schema:
    return record(response=body)


def ok_body() -> Schema:
    """What actions answer (§1)."""
    return record(status={"type": "string", "const": "OK"}, statuscode={"type": "integer", "const": 0})


def created_body(**fields: Schema) -> Schema:
    """#26 and #65 answer "OK" followed by what they created, with ``statuscode`` the string ``"0"``."""
    return record(status={"type": "string", "const": "OK"}, statuscode={"type": "string", "const": "0"}, **fields)


def error_body() -> Schema:
    """``statuscode`` is the HTTP status, as a JSON int; ``debugmessage`` is ``""`` or a parameter name."""
    return record(
        status={"type": "string", "const": "ERROR"},
        statuscode={"type": "integer", "minimum": 400, "maximum": 599},
        errormessage={"type": "string", "minLength": 1},
        debugmessage=text(),
    )
