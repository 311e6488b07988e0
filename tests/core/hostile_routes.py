"""Every route of every API dialect, read from the root URLconf (so a new route is covered without being
listed anywhere), with the methods its view answers and the fields its operation documents: FreeScout's
from its OpenAPI schema, LiveAgent's from its operation registry (``liveagent.schema``)."""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

# Finding where a named group ends is the same job for any route.
from liveagent.schema.routes import _group_end

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_GROUP_START = re.compile(r"\(\?P<(\w+)>")
_OPTIONAL_GROUP = re.compile(r"\(\?:[^()]*(?:\([^()]*\)[^()]*)*\)\?")


@dataclass(frozen=True)
class Leaf:
    """One value of a request: ``path`` inside the JSON body (a tuple of keys and indexes), or a query
    parameter (``where="query"``); ``kind`` is what the operation expects there."""

    path: tuple[str | int, ...]
    where: str  # "query" | "body"
    kind: str  # "string" | "integer" | "number" | "boolean" | "datetime" | "json" | "email" | ...


@dataclass(frozen=True)
class Route:
    dialect: str  # "freescout" | "liveagent"
    template: str  # "/api/conversations/{pk}"
    params: tuple[str, ...]
    methods: tuple[str, ...]
    name: str
    callback: Callable[..., Any] = field(compare=False, repr=False)

    @property
    def public(self) -> bool:
        """A documentation page under the dialect's prefix (the schema, Swagger UI, Redoc): no key, HTML or
        YAML, not an operation of the dialect."""
        return getattr(self.callback, "initkwargs", {}).get("authentication_classes") == []

    def path(self, values: dict[str, str]) -> str:
        path = self.template
        for name in self.params:
            path = path.replace("{" + name + "}", values[name])
        return path


def template_of(regex: str) -> tuple[str, tuple[str, ...]]:
    """``api/conversations/(?P<pk>[0-9]{1,18})/?$`` → (``/api/conversations/{pk}``, ``("pk",)``). Anything
    but literals, named groups and optional suffixes is refused, so that no route is silently skipped."""
    parts: list[str] = []
    names: list[str] = []
    i = 0
    while i < len(regex):
        if group := _GROUP_START.match(regex, i):
            names.append(group.group(1))
            parts.append("{" + group.group(1) + "}")
            i = _group_end(regex, group.end())
        else:
            parts.append(regex[i])
            i += 1
    text = _OPTIONAL_GROUP.sub("", "".join(parts).replace("^", ""))
    text = re.sub(r"/\?(\$|\\Z)$|\$$|\\Z$", "", text)
    text = re.sub(r"\\([.\-/])", r"\1", text)
    if re.search(r"[()\[\]*+?|\\]", text):
        raise ValueError(f"Cannot enumerate route {regex!r} (got {text!r})")
    return "/" + text, tuple(names)


def _walk(patterns: list, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        regex = prefix + entry.pattern.regex.pattern.lstrip("^")
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, regex)
        else:
            yield regex, entry


def view_methods(callback: Callable[..., Any]) -> tuple[str, ...]:
    actions = getattr(callback, "actions", None)
    if actions:  # a DRF viewset route
        return tuple(method for method in METHODS if method.lower() in actions)
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    allowed = getattr(view_class, "http_method_names", ())
    return tuple(method for method in METHODS if method.lower() in allowed and hasattr(view_class, method.lower()))


def dialect_routes() -> list[Route]:
    """The routes under each prefix of ``settings.HELPDESK_API_DIALECTS``."""
    dialects = {prefix: path.split(".")[0] for prefix, path in settings.HELPDESK_API_DIALECTS.items()}
    routes = []
    for regex, pattern in _walk(get_resolver().url_patterns):
        prefix = max((p for p in dialects if ("/" + regex).startswith(p)), key=len, default=None)
        if prefix is None:
            continue
        template, params = template_of(regex)
        routes.append(
            Route(
                dialect=dialects[prefix],
                template=template,
                params=params,
                methods=view_methods(pattern.callback),
                name=pattern.name or template,
                callback=pattern.callback,
            )
        )
    return routes


# --- The fields each operation documents ------------------------------------------------------------------


def _resolve(schema: dict, document: dict) -> dict:
    while "$ref" in schema:
        node: Any = document
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        schema = {**node, **{k: v for k, v in schema.items() if k != "$ref"}}
    for combinator in ("allOf", "oneOf", "anyOf"):
        if schema.get(combinator):
            merged: dict = {}
            options = schema[combinator] if combinator == "allOf" else schema[combinator][:1]
            for option in options:
                merged.update(_resolve(option, document))
            schema = {**merged, **{k: v for k, v in schema.items() if k != combinator}}
    return schema


def _kind(schema: dict) -> str:
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    fmt = schema.get("format", "")
    if kind == "string" and fmt in ("date-time", "date", "email", "uri", "byte"):
        return {"date-time": "datetime", "date": "date", "uri": "uri", "email": "email", "byte": "base64"}[fmt]
    return kind


def example(
    schema: dict,
    document: dict,
    name: str,
    hints: Callable[[str, str], Any],
    depth: int = 0,
    *,
    required_only: bool = False,
) -> Any:
    """A plausible value for ``schema`` (the first enum value, an existing row's id...), so that a hostile
    value put in one place meets otherwise valid neighbours; ``required_only``: objects with their required
    properties only (a valid request), else all of them (every place a hostile value may go)."""
    schema = _resolve(schema, document)
    if schema.get("enum"):
        return next((value for value in schema["enum"] if value is not None), None)
    kind = _kind(schema)
    if kind == "object" or "properties" in schema:
        if depth > 3:
            return {}
        required = set(schema.get("required", ()))
        return {
            key: example(value, document, key, hints, depth + 1, required_only=required_only)
            for key, value in schema.get("properties", {}).items()
            if not _resolve(value, document).get("readOnly") and (key in required or not required_only)
        }
    if kind == "array":
        items = schema.get("items", {})
        return [example(items, document, name, hints, depth + 1, required_only=required_only)] if depth <= 3 else []
    return hints(name, kind)


def leaves(value: Any, where: str, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    if isinstance(value, dict) and (value or not path):
        return [leaf for key, child in value.items() for leaf in leaves(child, where, (*path, key))]
    if isinstance(value, list) and value:
        return [leaf for index, child in enumerate(value) for leaf in leaves(child, where, (*path, index))]
    return [path]
