"""The v1 routes as the OpenAPI document and the test suite see them: URL name, path template, methods.

Read from ``liveagent/urls.py`` and its mount in the root URLconf, so that a new route appears in the
document (and in the registry's coverage test) without being listed anywhere else."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver, get_resolver

from liveagent import urls as v1_urls

# liveagent.plumbing.routes.endpoint ends every route with this (format suffix, optional slash).
from liveagent.plumbing.routes import _SUFFIX as ROUTE_SUFFIX

METHODS = ("GET", "POST", "PUT", "DELETE")
_GROUP_START = re.compile(r"\(\?P<(\w+)>")
_LITERAL = re.compile(r"[A-Za-z0-9_/-]")


@dataclass(frozen=True)
class Route:
    name: str
    path: str  # under the mount: /conversations/{conversationid}
    methods: tuple[str, ...]
    params: tuple[str, ...]


def _group_end(regex: str, start: int) -> int:
    """Where the group whose body starts at ``start`` ends (just after its ``)``)."""
    depth, i = 1, start
    while i < len(regex):
        char = regex[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = regex.index("]", i + 2 if regex[i + 1 : i + 2] in ("^", "]") else i + 1)
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError(f"Unbalanced group in {regex!r}")


def path_template(regex: str) -> tuple[str, tuple[str, ...]]:
    """``^customers/(?P<customeridentifier>[^/]+?)<suffix>`` → (``/customers/{customeridentifier}``, names).
    Only literal segments and named groups are understood: anything else is refused rather than guessed."""
    if not (regex.startswith("^") and regex.endswith(ROUTE_SUFFIX)):
        raise ValueError(f"Not an endpoint() route: {regex!r}")
    body = regex[1 : -len(ROUTE_SUFFIX)]
    parts: list[str] = []
    names: list[str] = []
    i = 0
    while i < len(body):
        if group := _GROUP_START.match(body, i):
            names.append(group.group(1))
            parts.append("{" + group.group(1) + "}")
            i = _group_end(body, group.end())
        elif _LITERAL.match(body, i):
            parts.append(body[i])
            i += 1
        else:
            raise ValueError(f"Not a plain route: {regex!r}")
    return "/" + "".join(parts), tuple(names)


def view_methods(callback: Callable[..., Any]) -> tuple[str, ...]:
    """The methods the route's view answers (HEAD follows GET; OPTIONS is refused)."""
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    allowed = getattr(view_class, "http_method_names", ())
    return tuple(method for method in METHODS if method.lower() in allowed and hasattr(view_class, method.lower()))


def mount() -> str:
    """Where the root URLconf includes ``liveagent.urls`` (``/liveagent/api``), without the final slash."""
    for entry in get_resolver().url_patterns:
        module = getattr(entry, "urlconf_name", None)
        if isinstance(entry, URLResolver) and getattr(module, "__name__", module) == v1_urls.__name__:
            return "/" + str(entry.pattern).rstrip("/")
    raise ImproperlyConfigured("liveagent.urls is not included in the root URLconf.")


def routes() -> list[Route]:
    found = []
    for entry in v1_urls.urlpatterns:
        if not isinstance(entry, URLPattern) or not entry.name:
            raise ImproperlyConfigured(f"liveagent/urls.py: {entry!r} is not a named endpoint() route.")
        path, params = path_template(entry.pattern.regex.pattern)
        found.append(Route(name=entry.name, path=path, methods=view_methods(entry.callback), params=params))
    return found
