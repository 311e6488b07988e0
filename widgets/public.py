"""The widget's public endpoints, which any site's pages call: the script (``embed.js``), the impression it
reports, and the form's submission.

Cross-origin and CSRF. The script runs in other sites' pages, so ``submit`` and ``impression`` answer any
origin (``Access-Control-Allow-Origin: *``, these two only) and are exempt from Django's CSRF check. That is
safe by design, not by omission: CSRF abuses a browser's ambient credentials, and these endpoints take none.
They read no cookie or session and act as nobody; the script sends without credentials (``credentials:
"omit"``), and a wildcard origin forbids credentialed requests anyway. A forged submission can do only what
anyone may do openly (send the public form), which the honeypot and the rate limits below bound.

Abuse. Bodies over ``HELPDESK_WIDGET_MAX_REQUEST_BYTES`` are refused before they are read; submissions are
counted per client IP (``helpdesk.ratelimit.client_ip``: behind proxies, set ``HELPDESK_TRUSTED_PROXY_COUNT``)
and per widget in fixed windows in Django's cache (``helpdesk.ratelimit.window_take``), and answered 429 with
``Retry-After`` beyond the limits; a filled honeypot field is answered as a success and dropped. Every refusal
is JSON ``{"ok": false, "error": …, "fields": {code: …}}`` with a 4xx status: bad input is never a 5xx."""

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt

from helpdesk.errors import NotFound
from helpdesk.ratelimit import RateLimited, client_ip, window_take
from widgets import services
from widgets.models import Widget
from widgets.selectors import widget_by_public_key
from widgets.snippets import embed_config

HONEYPOT = "hd_website"
PAGE_URL = "page_url"
THANKS = "Thank you! We have received your message and will reply by email."
ASSETS = Path(__file__).resolve().parent / "assets"
# Impressions are only counted, never refused; past this many per IP and window they are not counted.
IMPRESSIONS_PER_IP = 120
MAX_FIELDS = 100


@functools.cache
def _asset(name: str) -> str:
    return (ASSETS / name).read_text()


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Access-Control-Max-Age"] = "86400"
    response["Cache-Control"] = "no-store"
    return response


def _refusal(status: int, error: str, fields: dict[str, str] | None = None, **headers: str) -> HttpResponse:
    response = JsonResponse({"ok": False, "error": error, "fields": fields or {}}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return _cors(response)


def _take(key: str, limit: int, window: int) -> bool:
    """Counts one more in ``key``'s fixed window (helpdesk.ratelimit); False once past ``limit``."""
    try:
        window_take(key, limit=limit, window=window)
    except RateLimited:
        return False
    return True


def _public(view: Callable[[HttpRequest, Widget], HttpResponse]) -> Callable[[HttpRequest, str], HttpResponse]:
    """A cross-origin POST endpoint of a live widget: preflights answered, other methods 405, unknown or
    inactive widgets 404, bodies over the limit 413, all in JSON."""

    @csrf_exempt  # see the module's docstring: no credentials are taken, so there are none to forge
    @functools.wraps(view)
    def wrapped(request: HttpRequest, key: str) -> HttpResponse:
        if request.method == "OPTIONS":
            return _cors(HttpResponse(status=204))
        if request.method != "POST":
            response = _refusal(405, "Send the form with POST.")
            response["Allow"] = "POST, OPTIONS"
            return response
        widget = widget_by_public_key(key)
        if widget is None or not widget.is_live:
            return _refusal(404, "This form is not available.")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.HELPDESK_WIDGET_MAX_REQUEST_BYTES:
            return _refusal(413, "Your message is too long.")
        return view(request, widget)

    return wrapped


def _values(request: HttpRequest) -> dict[str, str]:
    """The fields sent, as text: urlencoded or multipart form fields, or a JSON object."""
    if request.content_type == "application/json":
        data = json.loads(request.body or b"{}")
        if not isinstance(data, dict):
            raise ValueError("Expected a JSON object.")
        if len(data) > MAX_FIELDS:
            raise ValueError("Too many fields.")
        return {str(k): v if isinstance(v, str) else "" for k, v in data.items()}
    form: QueryDict = request.POST
    if len(form) > MAX_FIELDS:
        raise ValueError("Too many fields.")
    return {key: form.get(key, "") for key in form}


@_public
def submit(request: HttpRequest, widget: Widget) -> HttpResponse:
    per_ip = settings.HELPDESK_WIDGET_SUBMISSIONS_PER_IP
    per_widget = settings.HELPDESK_WIDGET_SUBMISSIONS_PER_WIDGET
    window = settings.HELPDESK_WIDGET_RATE_WINDOW_SECONDS
    minutes = max(1, round(window / 60))
    if not _take(f"widgets:submit:ip:{client_ip(request)}", per_ip, window):
        return _refusal(
            429,
            f"Too many messages were sent from your network. Please try again in {minutes} minutes.",
            Retry_After=str(window),
        )
    if not _take(f"widgets:submit:widget:{widget.pk}", per_widget, window):
        return _refusal(
            429,
            f"This form is receiving too many messages. Please try again in {minutes} minutes.",
            Retry_After=str(window),
        )
    try:
        values = _values(request)
    except (ValueError, UnicodeDecodeError, RequestDataTooBig, SuspiciousOperation, MultiPartParserError):
        return _refusal(400, "The form could not be read. Please send it again.")
    if values.pop(HONEYPOT, "").strip():
        return _cors(JsonResponse({"ok": True, "message": THANKS}, status=201))
    try:
        services.widget_submission(widget=widget, values=values, page_url=values.get(PAGE_URL, ""))
    except NotFound as error:
        return _refusal(404, str(error))
    except ValidationError as error:
        fields = {field: " ".join(messages) for field, messages in error.message_dict.items()}
        return _refusal(400, "Please correct the fields marked below.", fields)
    return _cors(JsonResponse({"ok": True, "message": THANKS}, status=201))


# One UPDATE, atomic on its own: no request transaction, which on SQLite would take the write lock for every
# page view of every site that embeds a widget.
@transaction.non_atomic_requests
@_public
def impression(request: HttpRequest, widget: Widget) -> HttpResponse:
    window = settings.HELPDESK_WIDGET_RATE_WINDOW_SECONDS
    if _take(f"widgets:impression:{widget.pk}:{client_ip(request)}", IMPRESSIONS_PER_IP, window):
        try:
            page_url = request.POST.get(PAGE_URL, "")
        except (RequestDataTooBig, SuspiciousOperation, MultiPartParserError):
            page_url = ""
        services.widget_impression(widget=widget, url=page_url)
    return _cors(HttpResponse(status=204))


@transaction.non_atomic_requests  # a read, loaded by every page that embeds a widget
def embed(request: HttpRequest, key: str) -> HttpResponse:
    """The script a snippet loads: embed.js called with its widget's settings and the stylesheet. An unknown
    or inactive widget gets a script that does nothing (a 404 for an unknown key), so a page that still
    embeds it shows nothing and breaks nothing."""
    widget = widget_by_public_key(key)
    if widget is None or not widget.is_live:
        body, status = "/* This widget is not available. */\n", 404 if widget is None else 200
    else:
        config: Any = json.dumps(embed_config(widget))
        styles = json.dumps(_asset("embed.css"))
        body, status = f"({_asset('embed.js').strip()})({config}, {styles});\n", 200
    response = HttpResponse(body, status=status, content_type="text/javascript; charset=utf-8")
    # Short: a change in the admin reaches the sites' pages within minutes.
    response["Cache-Control"] = "public, max-age=300"
    # Any site may load it as a script (it is public by nature).
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
