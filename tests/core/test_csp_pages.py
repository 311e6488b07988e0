"""Issue 20, item 5: every page of the project answers with our Content-Security-Policy. The test walks every
URL pattern of the project (helpdesk/urls.py and all it includes, the admin's too), fills its parameters with
real objects where it can (an admin page's object of its own model, a widget's key, an attachment's token, a
help-center article), requests it as an anonymous visitor, an agent and an admin, and checks each answer:

- every response carries a Content-Security-Policy;
- an HTML page carries ours: scripts and styles from our host or by the request's nonce, never
  'unsafe-inline' or 'unsafe-eval' in script-src, images from our host only, no plugins, no framing, no
  <base>, forms to our host (a view that needs more says so: the API docs, helpdesk/api_docs.py);
- and its HTML obeys it before any browser sees it: every inline <script> and <style> has the nonce of the
  header, and no element has an on…= handler, a style attribute or a javascript: URL.

The browser side (scripts that must not run, images that must not load, and no screen reporting a
violation) is tests/core/test_csp_browser.py; every browser test fails on a violation (tests/conftest.py)."""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.admin.sites import site as admin_site
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

from conversations.mail.ingest import mail_ingest
from conversations.models import Attachment
from customers.group_services import customer_group_create
from helpdesk.services import api_key_create
from knowledgebase.models import Entry
from mailboxes.models import Mailbox
from mailboxes.services import mailbox_user_grant
from tests.core.test_mail_incoming import CORPUS
from tests.factories import AdminFactory, UserFactory, WebhookFactory
from webhooks.models import Event
from widgets import services as widget_services

NONCE = re.compile(r"'nonce-([A-Za-z0-9+/=]+)'")
# What a page may add to the policy, and why: see the views.
PAGE_EXTRAS = {
    # Swagger UI's stylesheet draws icons as data: images.
    "/api/docs": {"img-src": {"data:"}},
    "/liveagent/docs": {"img-src": {"data:"}},
    # Redoc inserts two stylesheets before it reads its nonce option (allowed by their hashes), builds its
    # search index in a blob: worker and draws icons as data: images.
    "/api/redoc": {
        "style-src": {
            "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
            "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
        },
        "img-src": {"data:"},
        "worker-src": {"blob:"},
    },
}
EXPECTED = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'"},
    "font-src": {"'self'"},
    "connect-src": {"'self'"},
    "object-src": {"'none'"},
    "frame-src": {"'none'"},
    "base-uri": {"'none'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
    "worker-src": set(),
}
# Pages that must have been seen answering 200 with HTML (as the admin unless said), so that the walk cannot
# pass by reaching only redirects and errors.
MUST_SEE = {
    "/admin/",
    "/admin/login/",
    "/admin/conversations/conversation/",
    "/admin/helpdesk/user/add/",
    "/help/",
    "/help/search",
    "/api/docs",
    "/api/redoc",
    "/liveagent/docs",
}


def policy_parse(header: str) -> dict[str, set[str]]:
    directives: dict[str, set[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = set(values)
    return directives


class _PageCheck(HTMLParser):
    """What in a page the policy would block: inline code without the nonce, handlers, style attributes."""

    def __init__(self, nonce: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.nonce = nonce
        self.problems: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>: an inline handler")
            if name == "style":
                self.problems.append(f"<{tag} style=…>: an inline style attribute")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}=javascript:…>")
        inline_script = tag == "script" and "src" not in values and values.get("type") not in ("application/json",)
        if inline_script or tag == "style":
            self.inline_scripts += tag == "script"
            if self.nonce is None or values.get("nonce") != self.nonce:
                self.problems.append(f"<{tag}> inline without the header's nonce")


@dataclass
class Walk:
    clients: dict[str, Client]
    samples: dict[str, str]
    admin_objects: dict[type, str]
    seen: dict[str, list[tuple[str, int, str]]] = field(default_factory=dict)  # path -> (who, status, type)


def _patterns(
    resolver: URLResolver, namespaces: tuple[str, ...] = (), prefix: str = ""
) -> Iterator[tuple[str, str, URLPattern]]:
    """(reverse name or "", the literal pattern text, the pattern) of every view."""
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from _patterns(pattern, inner, prefix + str(pattern.pattern))
        else:
            name = ":".join((*namespaces, pattern.name)) if pattern.name else ""
            yield name, prefix + str(pattern.pattern), pattern


def _parameters(pattern: URLPattern) -> list[str]:
    converters = getattr(pattern.pattern, "converters", None)
    return list(converters) if converters else list(pattern.pattern.regex.groupindex)


def _path(walk: Walk, name: str, text: str, pattern: URLPattern) -> str | None:
    model_admin = getattr(pattern.callback, "model_admin", None)
    values = dict(walk.samples)
    if model_admin is not None:
        if model_admin.model not in walk.admin_objects:
            return None  # no row of that model to show
        values["object_id"] = walk.admin_objects[model_admin.model]
    wanted = {p: values.get(p, "1") for p in _parameters(pattern)}
    if name:
        try:
            return reverse(name, kwargs=wanted)
        except NoReverseMatch:
            pass
    # Unnamed (or not reversible with the samples): the pattern's text with the samples put in, optional
    # groups (a format suffix) left out.
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: wanted.get(m.group(1), "1"), text)
    while (shorter := re.sub(r"\(\?:[^()]*\)\?", "", text)) != text:
        text = shorter
    text = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: wanted.get(m.group(1), "1"), text)
    return "/" + re.sub(r"[\^$?\\]", "", text)


def _check(walk: Walk, who: str, path: str) -> None:
    response = walk.clients[who].get(path)
    walk.seen.setdefault(path, []).append((who, response.status_code, response.get("Content-Type", "")))
    _check_response(response, who, path)


def _check_response(response, who: str, path: str) -> None:
    content_type = response.get("Content-Type", "")
    header = response.get("Content-Security-Policy")
    assert header, f"{path} as {who}: no Content-Security-Policy ({response.status_code})"
    if not content_type.startswith("text/html"):
        return
    policy = policy_parse(header)
    nonces = {NONCE.fullmatch(v).group(1) for d in ("script-src", "style-src") for v in policy[d] if NONCE.fullmatch(v)}
    assert len(nonces) <= 1, f"{path}: one nonce per page"
    nonce = next(iter(nonces), None)
    extras = PAGE_EXTRAS.get(path.rstrip("/"), {})
    # The object store that attachment links redirect to, when media lives there (empty by default).
    media = {"img-src": set(settings.HELPDESK_MEDIA_ORIGINS)}
    for directive, expected in EXPECTED.items():
        given = {v for v in policy.get(directive, set()) if not NONCE.fullmatch(v)}
        allowed = expected | extras.get(directive, set()) | media.get(directive, set())
        assert given == allowed, f"{path} as {who}: {directive} {given}"
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    if response.streaming:
        return
    check = _PageCheck(nonce)
    check.feed(response.content.decode())
    assert not check.problems, f"{path} as {who}: {check.problems}"


@pytest.fixture
def walk(db, media_root, settings):
    settings.ROOT_URLCONF = "tests.core.csp_urls"
    call_command("seed_demo", verbosity=0)
    admin = AdminFactory(email="root@example.com")
    agent = UserFactory(email="agent@example.com")
    mailbox = Mailbox.objects.order_by("pk").first()
    mailbox_user_grant(mailbox=mailbox, user=agent)
    WebhookFactory(events=list(Event.values))  # the mail below records an event and a delivery for it
    mail_ingest(mailbox=mailbox, raw=(CORPUS / "04_inline_image.eml").read_bytes())
    api_key_create(user=admin)
    customer_group_create(name="VIP")
    Client().post(reverse("admin:login"), {"username": agent.email, "password": "wrong"})  # a failed login's row
    widget = widget_services.widget_create(name="Contact", mailbox=mailbox)
    attachment = Attachment.objects.order_by("pk").first()
    entry = Entry.objects.filter(status=Entry.Status.PUBLISHED, access=Entry.Access.PUBLIC).order_by("pk").first()
    clients = {"anonymous": Client(raise_request_exception=False)}
    for who, user in (("agent", agent), ("admin", admin)):
        clients[who] = Client(raise_request_exception=False)
        clients[who].force_login(user)
    samples = {
        "key": widget.public_key,
        "token": attachment.token,
        "file_name": attachment.file_name,
        "urlcode": entry.urlcode,
        "slug": "article",
        "app_label": "conversations",
        "url": "no-such-page/",
        "rest": "no-such-page",
    }
    admin_objects = {}
    for model in admin_site._registry:
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            admin_objects[model] = str(first.pk)
    return Walk(clients=clients, samples=samples, admin_objects=admin_objects)


def test_every_page_answers_with_the_policy(walk):
    paths = {_path(walk, name, text, pattern) for name, text, pattern in _patterns(get_resolver())} - {None}
    paths |= {"/no-such-page", "/admin/no-such-page/", "/help/no-such-page", "/boom", "/admin/boom"}
    for path in sorted(paths):
        for who in ("anonymous", "agent", "admin"):
            _check(walk, who, path)
    html_200 = {
        path
        for path, answers in walk.seen.items()
        for who, status, kind in answers
        if status == 200 and kind.startswith("text/html")
    }
    assert html_200 >= MUST_SEE, MUST_SEE - html_200
    # Error pages: the 404s, the admin's friendly 403 to an agent, the 500s (Django's and the admin's).
    statuses = {(path, who): status for path, answers in walk.seen.items() for who, status, _ in answers}
    assert statuses[("/no-such-page", "anonymous")] == 404
    assert statuses[("/admin/helpdesk/user/", "agent")] == 403
    assert statuses[("/boom", "anonymous")] == statuses[("/admin/boom", "admin")] == 500
    # Far more than the handful named: every admin page of a model with a row, as the admin.
    admin_pages = {path for path in html_200 if path.startswith("/admin/")}
    assert len(admin_pages) > 100, len(admin_pages)


def test_the_login_lockout_page_answers_with_the_policy(db, settings):
    settings.AXES_FAILURE_LIMIT = 1
    user = UserFactory(email="locked@example.com")
    client = Client()
    for _ in range(2):
        response = client.post(reverse("admin:login"), {"username": user.email, "password": "wrong"})
    assert response.status_code == 429
    _check_response(response, "anonymous", reverse("admin:login"))
