"""LiveAgent's three answer formats, chosen by a suffix of the last path segment (``.json``, ``.xml``,
``.yaml``; none means JSON), never by ``Accept``: the reference (§1, "XML") makes the suffix the only switch,
errors included. Every body is the envelope ``{"response": {...}}``."""

import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any
from xml.sax.saxutils import escape

import orjson
import yaml
from rest_framework.negotiation import BaseContentNegotiation, DefaultContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

DEFAULT_FORMAT = "json"
_SUFFIX = re.compile(r"\.(json|xml|yaml)/?$")


def format_from_path(path: str) -> str:
    """The format a path asks for; ``path`` excludes the query string, as ``request.path`` does."""
    match = _SUFFIX.search(path)
    return match.group(1) if match else DEFAULT_FORMAT


# --- XML (reference §1 "XML") --------------------------------------------------------------------------

XML_DECLARATION = "<?xml version='1.0' encoding='utf-8'?>"
# Characters XML 1.0 cannot carry even escaped: dropped, so that the answer stays well-formed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def item_name(container: str) -> str:
    """LiveAgent names a list's items after its container: minus a final ``s`` (``companies/companie``,
    ``emails/email``), else ``item`` (``performance/item``)."""
    return container[:-1] if len(container) > 1 and container.endswith("s") else "item"


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):  # as in the JSON and YAML of the same answer
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _cdata(value: Any) -> str:
    text = "" if value is None else _scalar_text(value)
    # "]]>" would end the section early: split it across two sections.
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _write(name: str, value: Any, html_fields: Collection[str], out: list[str]) -> None:
    is_container = isinstance(value, (Mapping, list, tuple))
    if name in html_fields and not is_container:
        out.append(f"<{name}>{_cdata(value)}</{name}>")  # CDATA even when null, as LiveAgent's widgets show
    elif value is None or value == "" or (is_container and not value):
        out.append(f"<{name}/>")
    elif isinstance(value, Mapping):
        out.append(f"<{name}>")
        for key, child in value.items():
            _write(str(key), child, html_fields, out)
        out.append(f"</{name}>")
    elif is_container:
        child_name = item_name(name)
        out.append(f"<{name}>")
        for child in value:
            _write(child_name, child, html_fields, out)
        out.append(f"</{name}>")
    else:
        out.append(f"<{name}>{escape(_scalar_text(value))}</{name}>")


def to_xml(data: Mapping[str, Any], html_fields: Collection[str] = ()) -> bytes:
    """``data`` is the envelope (its one key, ``response``, is the root element); fields named in
    ``html_fields`` are written as CDATA wherever they occur."""
    out = [XML_DECLARATION, "\n"]
    for name, value in data.items():
        _write(name, value, html_fields, out)
    return "".join(out).encode()


# --- Renderers -----------------------------------------------------------------------------------------


def _plain(data: Any) -> Any:
    """The JSON tree of ``data``: lazy translations become strings, so the YAML is exactly the JSON's."""
    return orjson.loads(orjson.dumps(data, default=str))


class JsonRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None  # JSON is UTF-8 by definition (RFC 8259)

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return b"" if data is None else orjson.dumps(data, default=str)


class XmlRenderer(BaseRenderer):
    """The view's ``html_fields`` (field names) are written as CDATA."""

    media_type = "application/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if data is None:
            return b""
        view = (renderer_context or {}).get("view")
        return to_xml(data, getattr(view, "html_fields", ()))


class YamlRenderer(BaseRenderer):
    media_type = "application/x-yaml"
    format = "yaml"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if data is None:
            return b""
        # Documented field order kept; non-ASCII written as is.
        return yaml.safe_dump(_plain(data), allow_unicode=True, sort_keys=False, encoding="utf-8")


RENDERERS: dict[str, type[BaseRenderer]] = {r.format: r for r in (JsonRenderer, XmlRenderer, YamlRenderer)}


def content_type(fmt: str) -> str:
    renderer = RENDERERS[fmt]
    return f"{renderer.media_type}; charset={renderer.charset}" if renderer.charset else renderer.media_type


def render(data: Mapping[str, Any], fmt: str) -> tuple[bytes, str]:
    """The body and Content-Type of ``data`` in ``fmt``, for answers given outside a view."""
    return RENDERERS[fmt]().render(data), content_type(fmt)


class SuffixNegotiation(BaseContentNegotiation):
    """The renderer of the path's suffix, whatever ``Accept`` says (so never a 406)."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return DefaultContentNegotiation().select_parser(request, parsers)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        fmt = format_from_path(request.path)
        renderers = list(renderers)
        renderer = next((r for r in renderers if r.format == fmt), renderers[0])
        return renderer, renderer.media_type
