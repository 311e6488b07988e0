"""LiveAgent's parameters: the query string merged with the body, the body winning (reference §1).

Its examples send POST bodies as multipart (a PHP array to ``CURLOPT_POSTFIELDS``), PUT and DELETE bodies as
urlencoded (``http_build_query``; DELETE has a body); a JSON object is accepted as well. DRF's parsers read
the body on every method, where Django's ``request.POST`` reads only POST's."""

from collections.abc import Mapping
from typing import Any

import orjson
from django.http import QueryDict
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, FormParser, MultiPartParser
from rest_framework.request import Request

from helpdesk.json_parser import SafeJSONParser
from liveagent.plumbing.errors import InvalidParameter


class JSONBodyParser(SafeJSONParser):
    # request_params refuses lone surrogates itself, naming the parameter that holds one.
    refuse_lone_surrogates = False


PARSERS: list[type[BaseParser]] = [FormParser, MultiPartParser, JSONBodyParser]

_CACHE_ATTRIBUTE = "_liveagent_params"


def _from_form(data: QueryDict) -> dict[str, str]:
    # A repeated name keeps its last value, as PHP does; uploaded files are not parameters.
    return {name: value for name, value in data.items() if isinstance(value, str)}


def _json_value(name: str, value: Any) -> str | None:
    if value is None:  # null is taken as absent
        return None
    if isinstance(value, bool):
        return "Y" if value else "N"  # LiveAgent's flags
    if isinstance(value, str):
        return value
    if isinstance(value, (list, dict)):
        # ``json``-typed parameters (customfields, attributes, form_fields) are strings holding JSON.
        try:
            return orjson.dumps(value).decode()
        except orjson.JSONEncodeError:  # an integer beyond 64 bits, a lone surrogate
            raise InvalidParameter(name, f"{name}: a number or text that cannot be stored.") from None
    return str(value)


def _from_json(data: Mapping[str, Any]) -> dict[str, str]:
    params = {}
    for name, value in data.items():
        text = _json_value(str(name), value)
        if text is not None:
            params[str(name)] = text
    return params


def request_params(request: Request) -> dict[str, str]:
    """The request's parameters as one flat dict of strings; read once per request (authentication reads
    them before the view does)."""
    cached = getattr(request, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    params = _from_form(request.query_params)
    data = request.data
    if isinstance(data, QueryDict):
        params.update(_from_form(data))
    elif isinstance(data, Mapping):
        params.update(_from_json(data))
    elif data is not None:  # JSON null is no body
        raise ParseError("The request body must be a JSON object.")
    for name, value in params.items():
        # PostgreSQL can neither store nor compare text with NUL (the query string is checked before any
        # view, by helpdesk.dialects.ApiRequestGuard; the body is checked here).
        if "\x00" in name or "\x00" in value:
            raise InvalidParameter(name.replace("\x00", ""), "Null characters are not allowed.")
        if not (name + value).isascii():
            try:
                (name + value).encode()
            except UnicodeEncodeError:  # a lone surrogate from a JSON body's escapes: no text can hold it
                raise InvalidParameter(name.encode(errors="replace").decode(), "Invalid characters.") from None
    setattr(request, _CACHE_ATTRIBUTE, params)
    return params
