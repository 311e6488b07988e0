"""Checks every API response the test suite produces against the OpenAPI schema (``/api/schema/``).

``tests/conftest.py`` wraps ``django.test.Client.request`` (which ``APIClient`` goes through) for every test:
a JSON answer to an ``/api/`` path must match the schema's response for its path, method and status, and
that (path, method, status) must be documented. So the schema cannot drift from what the API answers."""

import functools
import json
import re
from typing import Any

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import patched_settings
from jsonschema import Draft202012Validator

from freescout.schema.settings import SCHEMA_SETTINGS

UNCHECKED_PREFIXES = ("/api/schema", "/api/docs", "/api/redoc")
UNCHECKED_METHODS = ("OPTIONS", "HEAD")  # DRF's metadata and CORS preflight; HEAD has no body


@functools.cache
def api_schema() -> dict:
    """The schema, generated in-process once per test session (JSON round trip: string keys only)."""
    with patched_settings(SCHEMA_SETTINGS):
        schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(schema, default=str))


@functools.cache
def _templates() -> list[tuple[re.Pattern, str]]:
    templates = []
    for template in api_schema()["paths"]:
        pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template))
        templates.append((re.compile(f"^{pattern}/?$"), template))
    return templates


def path_template(path: str) -> str | None:
    return next((template for pattern, template in _templates() if pattern.match(path)), None)


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


@functools.cache
def _validator(pointer: str) -> Draft202012Validator:
    # The whole document is the root, so the components' "#/components/..." references resolve.
    return Draft202012Validator({**api_schema(), "$ref": pointer})


def response_problems(method: str, path: str, status: int, content_type: str, body: bytes) -> list[str]:
    """What is wrong with this response according to the schema; empty when it matches."""
    method = method.upper()
    where = f"{method} {path} -> {status}"
    template = path_template(path)
    if template is None:
        # An unknown path answers the error shape (the API's JSON 404/405).
        if status in (404, 405):
            return _check(_pointer("components", "schemas", "Error"), content_type, body, where)
        return [f"{where}: path not in the schema"]
    operations = api_schema()["paths"][template]
    if method.lower() not in operations:
        # The key and its permissions are checked before the method: 401, 403 and 429 come first.
        if status in (401, 403, 405, 429):
            return _check(_pointer("components", "schemas", "Error"), content_type, body, where)
        return [f"{where}: method not documented for {template}"]
    responses = operations[method.lower()]["responses"]
    if str(status) not in responses:
        return [f"{where}: status {status} not documented for {method} {template}"]
    content = responses[str(status)].get("content")
    if not content:
        return [f"{where}: documented without a body, but one was sent"] if body else []
    schema_pointer = _pointer(
        "paths", template, method.lower(), "responses", str(status), "content", "application/json"
    )
    return _check(schema_pointer + "/schema", content_type, body, where)


def _check(pointer: str, content_type: str, body: bytes, where: str) -> list[str]:
    if not content_type.startswith("application/json"):
        return [f"{where}: expected a JSON body, got {content_type!r}"]
    try:
        data: Any = json.loads(body)
    except ValueError:
        return [f"{where}: body is not JSON"]
    return [
        f"{where}: {'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message[:300]}"
        for error in _validator(pointer).iter_errors(data)
    ]


def check_response(response) -> None:
    request = response.request
    method, path = request.get("REQUEST_METHOD", "GET"), request.get("PATH_INFO", "")
    if not path.startswith("/api/") or path.startswith(UNCHECKED_PREFIXES) or method.upper() in UNCHECKED_METHODS:
        return
    if getattr(response, "streaming", False):
        return
    problems = response_problems(
        method, path, response.status_code, response.headers.get("Content-Type", ""), response.content
    )
    assert not problems, "Response does not match the OpenAPI schema:\n" + "\n".join(problems[:20])
