"""Checks every LiveAgent API v1 response the test suite produces against the registry in ``liveagent.schema``.

``tests/conftest.py`` wraps ``django.test.Client.request`` for every test: an answer to a ``/liveagent/api/``
path must be, in the format its suffix asks for, the success body of its (URL name, method) or the error
envelope, with the keys (or XML elements) in the documented order. A route whose view answers a method the
registry has no schema for fails, whatever the status: so nobody adds an operation without its schema."""

import json
import xml.etree.ElementTree as ET
from typing import Any

import yaml
from django.urls import Resolver404, resolve
from jsonschema import Draft202012Validator

from liveagent.plumbing.renderers import XML_DECLARATION, content_type, format_from_path, item_name
from liveagent.schema import error_envelope, operation_for
from liveagent.schema.blocks import Schema
from liveagent.schema.routes import view_methods

PREFIX = "/liveagent/api/"


def expected_schema(method: str, path: str, status: int) -> tuple[Schema | None, str]:
    """The schema the answer must match, or None and why there is none."""
    try:
        match = resolve(path)
    except Resolver404:
        return (error_envelope(), "") if status >= 400 else (None, "an unknown path answered a success")
    if method not in view_methods(match.func):
        # Refused (405), or the key was refused before the method was looked at (400, 401).
        return (error_envelope(), "") if status >= 400 else (None, f"{method} is not answered by this route")
    operation = operation_for(match.url_name or "", method)
    if operation is None:
        return None, f"no schema for ({match.url_name!r}, {method!r}): add it to liveagent/schema/operations.py"
    if status >= 400:
        return error_envelope(), ""
    if status != 200:
        return None, "every v1 success is a 200"
    return operation.success, ""


def _problems(validator_schema: Schema, data: Any, where: str) -> list[str]:
    return [
        f"{where}: {'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message[:300]}"
        for error in Draft202012Validator(validator_schema).iter_errors(data)
    ]


def _order_problems(value: Any, schema: Schema, where: str) -> list[str]:
    """JSON Schema ignores key order; v1 answers keep the documented one (§1)."""
    problems = []
    properties = schema.get("properties")
    if isinstance(value, dict) and properties:
        present = [key for key in value if key in properties]
        if present != [key for key in properties if key in value]:
            problems.append(f"{where}: keys in the order {list(value)}, documented {list(properties)}")
        for key in present:
            problems += _order_problems(value[key], properties[key], f"{where}/{key}")
    elif isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            problems += _order_problems(item, schema["items"], f"{where}/{index}")
    return problems


def _types(schema: Schema) -> set[str]:
    kind = schema.get("type", [])
    return {kind} if isinstance(kind, str) else set(kind)


def _scalar_problems(element: ET.Element, schema: Schema, where: str) -> list[str]:
    if len(element):
        return [f"{where}: elements inside a scalar"]
    text = element.text or ""
    # XML writes null and "" alike, and ints as text: any reading the JSON could have had will do.
    readings: list[Any] = [None, ""] if text == "" else [text, *([int(text)] if text.isdigit() else [])]
    if any(Draft202012Validator(schema).is_valid(reading) for reading in readings):
        return []
    return [f"{where}: {text[:100]!r} does not match {schema}"]


def _xml_problems(element: ET.Element, schema: Schema, where: str) -> list[str]:
    """Element names and order against the schema's properties, items named by v1's rule, scalars valid."""
    kinds = _types(schema)
    if not len(element) and "null" in kinds:
        return []
    if "object" in kinds:
        names, documented = [child.tag for child in element], list(schema["properties"])
        if names != documented:
            return [f"{where}: elements {names}, documented {documented}"]
        problems = []
        for child in element:
            problems += _xml_problems(child, schema["properties"][child.tag], f"{where}/{child.tag}")
        return problems
    if "array" in kinds:
        problems, item = [], item_name(element.tag)
        for index, child in enumerate(element):
            if child.tag != item:
                problems.append(f"{where}: item <{child.tag}> where <{item}> is due")
            else:
                problems += _xml_problems(child, schema["items"], f"{where}/{item}[{index}]")
        return problems
    return _scalar_problems(element, schema, where)


def body_problems(fmt: str, schema: Schema, body: bytes, where: str) -> tuple[list[str], Any]:
    """The problems of ``body``, and the ``response`` object as parsed (XML: its element)."""
    if fmt == "xml":
        if not body.startswith(XML_DECLARATION.encode()):
            return [f"{where}: no {XML_DECLARATION}"], None
        try:
            root = ET.fromstring(body)
        except ET.ParseError as error:
            return [f"{where}: XML not well-formed: {error}"], None
        if root.tag != "response":
            return [f"{where}: root element <{root.tag}>, not <response>"], None
        return _xml_problems(root, schema["properties"]["response"], f"{where}: response"), root
    try:
        data = json.loads(body) if fmt == "json" else yaml.safe_load(body)
    except (ValueError, yaml.YAMLError):
        return [f"{where}: body is not {fmt.upper()}"], None
    problems = _problems(schema, data, where) or _order_problems(data, schema, f"{where}: ")
    return problems, data.get("response") if isinstance(data, dict) else None


def response_problems(method: str, path: str, status: int, media_type: str, body: bytes) -> list[str]:
    """What is wrong with this v1 answer; empty when it matches."""
    method = method.upper()
    where = f"{method} {path} -> {status}"
    fmt = format_from_path(path)
    if media_type != content_type(fmt):
        return [f"{where}: Content-Type {media_type!r} where {content_type(fmt)!r} is due"]
    schema, why = expected_schema(method, path, status)
    if schema is None:
        return [f"{where}: {why}"]
    problems, response = body_problems(fmt, schema, body, where)
    if not problems and status >= 400:
        code = response.findtext("statuscode") if fmt == "xml" else response["statuscode"]
        if code != (str(status) if fmt == "xml" else status):
            problems.append(f"{where}: statuscode {code!r} is not the HTTP status")
    return problems


def check_response(response: Any) -> None:
    request = getattr(response, "wsgi_request", None)
    if request is None or not request.path.startswith(PREFIX) or getattr(response, "streaming", False):
        return
    method = request.method.upper()
    # HEAD has no body; a bodiless OPTIONS is a CORS preflight answered by corsheaders, before any view.
    if method == "HEAD" or (method == "OPTIONS" and not response.content):
        return
    problems = response_problems(
        method, request.path_info, response.status_code, response.headers.get("Content-Type", ""), response.content
    )
    assert not problems, "Response does not match the LiveAgent schema:\n" + "\n".join(problems[:20])
