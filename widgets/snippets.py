"""The snippets a site pastes to show a widget, and the settings its script reads.

The snippet is a placeholder element and an async script from our host (``HELPDESK_BASE_URL``), written
protocol-relative as LiveAgent writes its own (``//host/…``). It is a script, not a frame: our pages forbid
being framed (X-Frame-Options DENY), and a script lets the form take the host page's width and flow. The
script (widgets/assets/embed.js) renders into the placeholder, inside a shadow root so that neither the page's
CSS nor ours leaks into the other, and loads nothing else.

``attributes`` rows with these names change the form's look (any ``section``): ``title``, ``intro`` and
``button`` (texts), ``color`` (the accent, ``#rrggbb``)."""

import re
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

from widgets.fields import form_fields_effective
from widgets.models import Widget

_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
DEFAULT_TITLE = "Contact us"
DEFAULT_SEARCH_TITLE = "Search our help center"
DEFAULT_INTRO = "Send us a message and we will reply by email."
DEFAULT_BUTTON = "Send message"
DEFAULT_COLOUR = "#2563eb"


def site_origin() -> str:
    """``//host[:port]`` of this installation, as the snippets name it."""
    return "//" + urlsplit(settings.HELPDESK_BASE_URL).netloc


def site_url(path: str) -> str:
    return settings.HELPDESK_BASE_URL + path


def embed_script_url(widget: Widget) -> str:
    return site_origin() + reverse("widget-embed", args=[widget.public_key])


def integration_code(widget: Widget) -> str:
    """The HTML to paste where the widget should appear."""
    key = escape(widget.public_key)
    return f'<div data-helpdesk-widget="{key}"></div>\n<script src="{escape(embed_script_url(widget))}" async></script>'


def _attribute(widget: Widget, name: str) -> str:
    return next((row["value"].strip() for row in widget.attributes if row["name"] == name and row["value"]), "")


def embed_config(widget: Widget) -> dict[str, Any]:
    """What embed.js needs to render ``widget``: plain data, each text set with ``textContent`` there."""
    colour = _attribute(widget, "color")
    config: dict[str, Any] = {
        "key": widget.public_key,
        "kind": "search" if widget.is_search else "form",
        "title": _attribute(widget, "title") or (DEFAULT_SEARCH_TITLE if widget.is_search else DEFAULT_TITLE),
        "intro": _attribute(widget, "intro") or ("" if widget.is_search else DEFAULT_INTRO),
        "button": _attribute(widget, "button") or ("Search" if widget.is_search else DEFAULT_BUTTON),
        "color": colour if _COLOUR.match(colour) else DEFAULT_COLOUR,
        "language": widget.language,
        # The widget's own CSS, given through the API: a contact form is LiveAgent's offline form.
        "css": widget.offline_code_css or "",
        "impressionUrl": site_url(reverse("widget-impression", args=[widget.public_key])),
    }
    if widget.is_search:
        config["searchUrl"] = site_url("/help/search")
    else:
        config["submitUrl"] = site_url(reverse("widget-submit", args=[widget.public_key]))
        config["fields"] = [field.as_config() for field in form_fields_effective(widget.form_fields)]
    return config
