"""The parameters of the custom field operations, for conversations (#7, #8) and customers (#17, #18) alike:
``customfields``, a string holding a JSON array of ``{"code": …, "value": …}`` (a code may repeat: values
accumulate), and ``code``, the field whose values a DELETE removes (reference §2, "Parameter notes").

Only the form is checked here; whether a code names a field, and whether a value fits it, is the core's to
say (``conversation_custom_field_values_add`` and its customer twin), with its field names mapped back to
``customfields`` by ``service_errors_at(CUSTOM_FIELDS_AT)``."""

from collections.abc import Mapping

import orjson

from liveagent.plumbing.errors import InvalidParameter

CUSTOM_FIELDS = "customfields"
# The core's name of the list, by the parameter that carries it (for service_errors_at).
CUSTOM_FIELDS_AT = {"custom_fields": CUSTOM_FIELDS}

_SHAPE = 'Expected a JSON array of {"code": "…", "value": "…"} objects.'
_ITEM = 'Expected an object with a "code" (text) and a "value".'


def custom_field_values_param(params: Mapping[str, str]) -> list[tuple[str, object]]:
    """``customfields`` as ``(code, value)`` pairs in the order given; 400 naming ``customfields`` when it is
    missing, not JSON, or not an array of objects each with a text ``code`` and a ``value``. A value is
    passed on as JSON gave it (text, a number or null), for the field to judge."""
    raw = params.get(CUSTOM_FIELDS)
    if raw is None or not raw.strip():
        raise InvalidParameter(CUSTOM_FIELDS, f"Parameter {CUSTOM_FIELDS} is missing.")
    try:
        items = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidParameter(CUSTOM_FIELDS, f"{CUSTOM_FIELDS}: not valid JSON. {_SHAPE}") from None
    if not isinstance(items, list):
        raise InvalidParameter(CUSTOM_FIELDS, f"{CUSTOM_FIELDS}: {_SHAPE}")
    values: list[tuple[str, object]] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("code"), str) or "value" not in item:
            raise InvalidParameter(CUSTOM_FIELDS, f"{CUSTOM_FIELDS}[{index}]: {_ITEM}")
        values.append((item["code"], item["value"]))
    return values


def field_code_param(params: Mapping[str, str]) -> str | None:
    """#7/#17 ``code``, or None for every field's values. A blank ``code`` counts as absent: the seed's example
    client sends the optional ``code`` key whatever its variable holds, so an empty one means no field was
    named (no field has an empty code)."""
    code = params.get("code", "").strip()
    return code or None
