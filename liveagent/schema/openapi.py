"""The OpenAPI 3.1 document of the v1 dialect: paths from the routes (``liveagent.schema.routes``),
everything else from the registry. OpenAPI 3.1 takes JSON Schema 2020-12 as is, so the registry's schemas go
in unchanged. Built per request: it is small, and a test's URLconf or settings then show in it."""

import copy
from typing import Any

from django.conf import settings

from liveagent.schema import OPERATIONS, Operation, error_envelope
from liveagent.schema.blocks import DATETIME_PATTERN, Schema, envelope, ok_body
from liveagent.schema.registry import Param
from liveagent.schema.routes import Route, mount, routes

MEDIA_TYPES = ("application/json", "application/xml", "application/x-yaml")
BODY_MEDIA_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded", "application/json")
ERROR_REF = {"$ref": "#/components/schemas/Error"}
OK_REF = {"$ref": "#/components/schemas/Ok"}
# OpenAPI's apiKey schemes live in the query, a header or a cookie; the body, where v1's POST, PUT and
# DELETE examples put the key, is an ``apikey`` field of every request body instead.
SECURITY_SCHEMES = {
    "apikeyQuery": {"type": "apiKey", "in": "query", "name": "apikey"},
    "apikeyHeader": {"type": "apiKey", "in": "header", "name": "apikey"},
}
APIKEY_FIELD = {"type": "string", "description": "The API key, when neither the query nor a header carries it."}

DESCRIPTION = """\
The LiveAgent API v1, as this helpdesk serves it: an existing v1 client works by changing its base URL to
`https://<host>/liveagent` (paths below include the `/api` that clients append).

**Key.** Every operation needs `apikey`: in the query string, an `apikey` header, or a field of the body
(multipart on POST, urlencoded on PUT and DELETE, a JSON object on any). Keys belong to users and act as
them: a regular user's key sees its mailboxes' departments and conversations only (others are 404);
configuration writes need an admin's key (403).

**Formats.** JSON by default. The suffix of the last path segment chooses the format of the answer, errors
included: `.json`, `.xml` (`<?xml version='1.0' encoding='utf-8'?>`, then `<response>`; a list is an element
named like the field holding one element per item, named like the list minus its final `s`, or `item`;
null, `""` and empty lists are empty elements; HTML fields are CDATA) or `.yaml` (the JSON tree). A trailing
slash is accepted.

**Envelope.** Every answer is `{"response": {…}}`, fields in the documented order. Scalars are JSON strings,
counts included (`"filesize":"12456"`), except `statuscode` (an int; the string `"0"` in `POST /tags` and
`POST /customersgroups`) and the chat and call overview counters. Absent values in conversation and customer
bodies are `null`. Actions answer `{"response":{"status":"OK","statuscode":0}}`; errors
`{"response":{"status":"ERROR","statuscode":<HTTP status>,"errormessage":"…","debugmessage":""}}`, where
`debugmessage` names the parameter at fault, if any. Bad input is 400, never a 5xx. Successes are 200.

**Dates** are `YYYY-MM-DD HH:MM:SS` in the account time zone (`LIVEAGENT_TIME_ZONE`, UTC by default)."""


def _param_schema(param: Param) -> Schema:
    if param.type == "int":
        return {"type": "integer", "minimum": 0}
    if param.type == "datetime":
        return {"type": "string", "pattern": DATETIME_PATTERN}
    if param.type == "json":
        return {"type": "string", "contentMediaType": "application/json"}
    if param.type == "flag":
        return {"type": "string", "enum": ["Y", "N"]}
    if param.type == "codes" and param.many:
        one = "(" + "|".join(param.values) + ")"
        return {"type": "string", "pattern": f"^{one}(,{one})*$"}
    if param.type == "codes":
        return {"type": "string", "enum": list(param.values)}
    return {"type": "string"}  # text, opdatetime (an operator prefix: see the description)


def _parameter(param: Param) -> dict[str, Any]:
    result: dict[str, Any] = {"name": param.name, "in": param.location, "required": param.required}
    if param.description:
        result["description"] = param.description
    result["schema"] = _param_schema(param)
    return result


def _parameters(route: Route, operation: Operation | None) -> list[dict[str, Any]]:
    declared = {(p.location, p.name): p for p in operation.params} if operation else {}
    # Every template parameter must be described, declared or not (the coverage test flags the latter).
    path = [declared.get(("path", name)) or Param(name, "path", required=True) for name in route.params]
    query = [p for p in declared.values() if p.location == "query"]
    return [_parameter(p) for p in (*path, *query)]


def _request_body(operation: Operation | None) -> dict[str, Any]:
    fields = [p for p in operation.params if p.location == "body"] if operation else []
    schema: Schema = {
        "type": "object",
        "properties": {"apikey": APIKEY_FIELD, **{p.name: _described(p) for p in fields}},
    }
    if required := [p.name for p in fields if p.required]:
        schema["required"] = required
    return {"required": bool(required), "content": {media: {"schema": schema} for media in BODY_MEDIA_TYPES}}


def _described(param: Param) -> Schema:
    schema = _param_schema(param)
    return {**schema, "description": param.description} if param.description else schema


def _content(schema: Schema) -> dict[str, Any]:
    return {media: {"schema": schema} for media in MEDIA_TYPES}


def _responses(success: Schema, admin: bool) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {"description": "Success, in the format of the path's suffix.", "content": _content(success)},
        "400": {"description": "Bad input, or a revoked or disabled key.", "content": _content(ERROR_REF)},
        "401": {"description": "No key, or an unknown one.", "content": _content(ERROR_REF)},
    }
    if admin:
        responses["403"] = {"description": "Not an admin's key.", "content": _content(ERROR_REF)}
    responses["404"] = {"description": "An unknown or invisible id.", "content": _content(ERROR_REF)}
    responses["429"] = {
        "description": "Too many failed key attempts from this address, or too many requests with this key "
        "in the current minute; `Retry-After` gives the seconds to wait.",
        "content": _content(ERROR_REF),
    }
    responses["default"] = {
        "description": "Any other error: 405, 413 body too large, 415 media type, 500, 503.",
        "content": _content(ERROR_REF),
    }
    return responses


def _success(operation: Operation | None, operation_id: str, schemas: dict[str, Schema]) -> Schema:
    """A reference to the success schema, which goes to the components once (three media types use it)."""
    if operation is None:
        return {"type": "object"}
    if operation.body == ok_body():
        return OK_REF
    schemas[operation_id] = copy.deepcopy(operation.success)  # the document may be changed; the registry not
    return {"$ref": f"#/components/schemas/{operation_id}"}


def _operation(route: Route, method: str, schemas: dict[str, Schema]) -> dict[str, Any]:
    """The operation object; its success schema is added to ``schemas``."""
    operation = OPERATIONS.get((route.name, method))
    operation_id = f"{route.name}-{method.lower()}"
    result: dict[str, Any] = {
        "operationId": operation_id,
        "tags": [route.path.split("/")[1]],
        "summary": f"#{operation.number} {operation.summary}" if operation else "Not described yet",
    }
    if operation is not None and operation.admin:
        result["description"] = "Needs an admin's API key."
    if parameters := _parameters(route, operation):
        result["parameters"] = parameters
    if method != "GET":
        result["requestBody"] = _request_body(operation)
    success = _success(operation, operation_id, schemas)
    result["responses"] = _responses(success, admin=operation is not None and operation.admin)
    return result


def openapi_document() -> dict[str, Any]:
    prefix = mount()
    paths: dict[str, Any] = {}
    schemas: dict[str, Schema] = {"Error": error_envelope(), "Ok": envelope(ok_body())}
    tags: dict[str, None] = {}  # an ordered set
    for route in routes():
        paths[prefix + route.path] = {method.lower(): _operation(route, method, schemas) for method in route.methods}
        tags[route.path.split("/")[1]] = None
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "LiveAgent API v1",
            "version": settings.LIVEAGENT_VERSION,
            "description": DESCRIPTION,
        },
        "tags": [{"name": tag} for tag in tags],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": SECURITY_SCHEMES,
        },
        "security": [{name: []} for name in SECURITY_SCHEMES],
    }
