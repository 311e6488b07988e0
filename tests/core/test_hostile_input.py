"""Hostile input finds no 5xx (issue 20, item 3): every route of both API dialects, read from the URLconf
(tests/core/hostile_routes.py, so a new route is covered the day it appears), with every method it answers,
an admin's key and a regular user's, gets every class of hostile input (tests/core/hostile_corpus.py) in every
body form its dialect takes: FreeScout's JSON and query string; LiveAgent's query string, urlencoded,
multipart and JSON bodies, answered in JSON, XML or YAML by the path's suffix. Path parameters get hostile
values too. Every answer must be a 2xx or a 4xx, a 4xx in the dialect's error shape (in the suffix's format
for LiveAgent), and a refused request must have changed no row count.

Fast on purpose: the in-process test client, one set of data per test process (built once, each request
rolled back to it), and values spread over the routes rather than multiplied: every route meets every class,
each value meets many routes. Run on PostgreSQL and on SQLite (NUL, LIKE and integer overflow differ)."""

import functools
import itertools
import json
import logging
import os
import traceback
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml
from django.apps import apps
from django.core.signals import got_request_exception
from django.db import connection, transaction
from django.test import Client, override_settings

from conversations.models import Conversation, Tag, Timelog
from conversations.services import conversation_tags_set
from conversations.services.intake import AttachmentSource, attachment_upload
from customers.group_services import customer_group_create
from customers.models import Company, Customer, CustomerField
from customers.services import company_create
from demo.seed import demo_seed
from helpdesk.models import ApiKey, User
from helpdesk.services import api_key_create, api_key_limit_set
from knowledgebase.models import Entry
from liveagent.ids import Kind, id_encode
from liveagent.plumbing.renderers import format_from_path
from liveagent.schema import operation_for
from mailboxes.models import CustomField, Mailbox
from mailboxes.services import mailbox_create, mailbox_user_grant
from tests.core import hostile_corpus as corpus
from tests.core.hostile_routes import Route, dialect_routes, example, leaves
from tests.factories import UserFactory, WebhookFactory
from tests.freescout.openapi_validation import api_schema, path_template
from webhooks.models import Event, WebhookDelivery
from widgets.models import Widget
from widgets.services import widget_create

# The test database is set up for the tests that ask for it (each request also runs in its own savepoint).
pytestmark = pytest.mark.django_db

ROLES = ("admin", "user")
LIVEAGENT_FORMS = ("query", "urlencoded", "multipart", "json")
SUFFIXES = ("", ".xml", ".yaml", ".json")


@pytest.fixture(autouse=True)
def _responses_match_openapi_schema():
    """Not here: hostile requests get 4xx statuses no operation documents one by one (413, 415, a 400 on a
    GET of one row); this test checks each dialect's error shape itself."""


# --- The data every request meets ------------------------------------------------------------------------


@dataclass
class World:
    keys: dict[str, str]
    users: dict[str, User]
    path_values: dict[str, dict[str, str]]  # route name -> parameter -> a valid value
    by_param: dict[str, str]
    hints: dict[str, Any]
    tables: list[str] = field(default_factory=list)
    counts: tuple[int, ...] = ()


def _build_world() -> World:
    webhook = WebhookFactory(url="http://127.0.0.1:9/hook", events=list(Event.values))
    demo_seed()
    admin = User.objects.filter(role=User.Role.ADMIN).first() or UserFactory(role="admin")
    support = Mailbox.objects.order_by("pk").first()
    assert support is not None
    regular = UserFactory(role="user", email="hostile-regular@example.com")
    mailbox_user_grant(mailbox=support, user=regular)
    keys = {}
    for role, user in (("admin", admin), ("user", regular)):
        api_key, keys[role] = api_key_create(user=user)
        # Thousands of requests a minute: the per-key limit would answer 429 before the input is read.
        api_key_limit_set(api_key=api_key, requests_per_minute=1_000_000_000)
    conversation = Conversation.objects.filter(mailbox=support).order_by("pk").first()
    assert conversation is not None
    conversation_tags_set(conversation=conversation, names=["hostile"])
    tag = Tag.objects.order_by("pk").first()
    customer = conversation.customer or Customer.objects.order_by("pk").first()
    assert customer is not None
    attachment = attachment_upload(
        source=AttachmentSource(file_name="hostile.txt", content=b"hello", mime_type="text/plain"), uploaded_by=regular
    )
    group = customer_group_create(name="Hostile group")
    company = Company.objects.order_by("pk").first() or company_create(name="Hostile Co")
    widget = Widget.objects.order_by("pk").first() or widget_create(name="Hostile widget", mailbox=support)
    entry = Entry.objects.order_by("pk").first()
    timelog = Timelog.objects.filter(conversation=conversation).first() or Timelog.objects.first()
    delivery = WebhookDelivery.objects.order_by("pk").first()
    field_id = CustomField.objects.filter(mailbox=support).order_by("pk").first()
    customer_field = CustomerField.objects.order_by("pk").first()
    key_id = ApiKey.objects.filter(user=regular).order_by("pk").first()
    assert tag and attachment and entry and delivery and field_id and customer_field and key_id
    email = customer.emails.order_by("pk").first()
    by_param = {
        "timelog_id": str(timelog.pk if timelog else 1),
        "field_id": str(field_id.pk),
        "user_id": str(regular.pk),
        "key_id": str(key_id.pk),
        "delivery_id": str(delivery.pk),
        "departmentid": id_encode(Kind.DEPARTMENT, support.pk),
        "agentidentifier": id_encode(Kind.AGENT_USER, regular.pk),
        "fileid": attachment.token,
        "tagid": id_encode(Kind.TAG, tag.pk),
        "conversationid": id_encode(Kind.CONVERSATION, conversation.pk),
        "customeridentifier": email.email if email else id_encode(Kind.CUSTOMER_CONTACT, customer.pk),
        "groupid": id_encode(Kind.CUSTOMER_GROUP, group.pk),
        "companyid": id_encode(Kind.COMPANY, company.pk),
        "entry_id": str(entry.pk),
        "contactwidgetid": id_encode(Kind.WIDGET, widget.pk),
    }
    pk_by_resource = {
        "conversations": conversation.pk,
        "customers": customer.pk,
        "customer_fields": customer_field.pk,
        "mailboxes": support.pk,
        "users": regular.pk,
        "webhooks": webhook.pk,
    }
    # An empty mailbox to delete: deleting Support, with all its conversations, would cost seconds a time.
    spare = mailbox_create(name="Hostile spare", email="hostile-spare@example.com")
    mailbox_user_grant(mailbox=spare, user=regular)
    path_values: dict[str, dict[str, str]] = {}
    for route in dialect_routes():
        values = {name: by_param.get(name, "1") for name in route.params}
        if "pk" in values:
            values["pk"] = str(pk_by_resource.get(route.template.split("/")[2], 1))
        if route.template == "/api/mailboxes/{pk}":
            values["pk"] = str(spare.pk)
        path_values[route.name] = values
    hints = {
        "mailbox": support.pk,
        "customer": customer.pk,
        "user": regular.pk,
        "conversation": conversation.pk,
        "email": "hostile@example.com",
        "department": by_param["departmentid"],
        "agent": regular.email,
        "file": attachment.token,
    }
    return World(
        keys=keys, users={"admin": admin, "user": regular}, path_values=path_values, by_param=by_param, hints=hints
    )


def _tables() -> list[str]:
    names = []
    for model in apps.get_models():
        meta = model._meta
        if meta.managed and not meta.proxy and model.__module__.split(".")[0] not in ("django", "axes"):
            names.append(meta.db_table)
    return sorted(set(names))


def row_counts(tables: list[str]) -> tuple[int, ...]:
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    """Built once per test process in a transaction rolled back at the end; each request runs in a savepoint
    rolled back after it, so every request meets the same rows."""
    quiet = logging.getLogger("django.request")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # thousands of "Bad Request" warnings would cost more than the requests
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("hostile-media"))),
        transaction.atomic(),
    ):
        built = _build_world()
        built.tables = _tables()
        built.counts = row_counts(built.tables)
        yield built
        transaction.set_rollback(True)
    quiet.setLevel(level)


# --- Requests --------------------------------------------------------------------------------------------


@dataclass
class Case:
    label: str
    role: str
    path_values: dict[str, str] | None = None  # None: the valid ones
    query: list[tuple[Any, Any]] = field(default_factory=list)
    body: bytes | None = None
    content_type: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    suffix: str = ""
    key: str | None = None  # None: the role's key; else this (bad) key
    key_transport: int = 0


class Sent:
    """Collects what went wrong, so that one test reports every failing case of its route."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.client = Client(raise_request_exception=False)
        self.failures: list[str] = []
        self.count = 0


# Bad keys come from addresses of their own (the failed-authentication limit counts per address): unique in
# the process, and apart from other processes' (xdist workers) by the process id.
_ADDRESSES = itertools.count(os.getpid() % 200 * 60_000)


def _next_address() -> str:
    n = next(_ADDRESSES)
    return f"10.{n // 65_536 % 256}.{n // 256 % 256}.{n % 256}"


def _set(body: Any, path: tuple[str | int, ...], value: Any, full: Any) -> Any:
    """``body`` with ``value`` at ``path``; a place the (minimal) body lacks is taken from ``full``."""
    if not path:
        return value
    if not isinstance(body, (dict, list)):
        return value
    head, *rest = path
    if isinstance(body, dict) and head not in body:
        body[head] = _copy(full[head])
    elif isinstance(body, list) and isinstance(head, int) and head >= len(body):
        body.extend(_copy(full[len(body) : head + 1]))
    body[head] = _set(body[head], tuple(rest), value, full[head])  # type: ignore[index]
    return body


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value))


# --- What each operation takes ---------------------------------------------------------------------------


def _hint(world: World, name: str, kind: str) -> Any:
    lowered = name.lower()
    if kind in ("integer", "number"):
        for word in ("mailbox", "customer", "conversation", "user"):
            if word in lowered:
                return world.hints[word]
        if lowered in ("byuser", "assignto", "createdby"):
            return world.hints["user"]
        return 1
    if kind == "boolean":
        return True
    if kind == "datetime" or lowered.endswith(("since", "at")):
        return "2026-01-01T10:00:00Z"
    if lowered in ("color", "bg_color"):
        return "FFFFFF"
    if lowered == "country":
        return "US"
    if lowered == "timezone":
        return "UTC"
    if kind == "date":
        return "2026-01-01"
    if kind == "email" or "email" in lowered:
        return world.hints["email"]
    if kind == "uri" or lowered in ("url", "downloadurl"):
        return "http://127.0.0.1:9/x"  # a private address: refused by the outbound guard, never fetched
    if kind == "base64" or lowered == "data":
        return "aGVsbG8="
    if "filename" in lowered:
        return "hello.txt"
    if "mimetype" in lowered:
        return "text/plain"
    return "hostile"


@dataclass
class Operation:
    """``query`` and ``body`` name every place a value may go; ``base_query`` and ``base_body`` are a valid
    request (the required ones), which a hostile value joins."""

    query: dict[str, Any]
    body: Any  # FreeScout: the JSON body; LiveAgent: a flat dict of parameters
    base_query: dict[str, Any] = field(default_factory=dict)
    base_body: Any = None
    json_params: frozenset[str] = frozenset()

    def leaves(self) -> list[tuple[str, tuple[str | int, ...]]]:
        found = [("query", (name,)) for name in self.query]
        if isinstance(self.body, dict):
            found += [("body", path) for path in leaves(self.body, "body") if path]
        return found or [("query", ("q",))]


# What a valid request needs beyond the required fields (one of several fields, a unique name): routes not
# listed still get a base of their required fields.
BASE_EXTRAS: dict[tuple[str, str], dict[str, Any]] = {
    ("conversation-list", "POST"): {"customer": {"email": "hostile@example.com"}},
    ("customer-list", "POST"): {"firstName": "Hostile"},
    ("liveagent-files", "POST"): {"data": "aGVsbG8=", "name": "hello.txt", "type": "text/plain"},
    ("liveagent-tags", "POST"): {"name": "hostile new tag"},
    ("liveagent-conversation-tags", "POST"): {"name": "hostile"},
    ("liveagent-conversation-tags", "DELETE"): {"name": "hostile"},
}


def _with_extras(route: Route, method: str, base: Any) -> Any:
    extras = BASE_EXTRAS.get((route.name, method), {})
    if not isinstance(base, dict):
        return base
    for name, value in extras.items():
        if isinstance(value, dict) and isinstance(base.get(name), dict):
            base[name] = {**base[name], **value}
        else:
            base[name] = value
    return base


def freescout_operation(world: World, route: Route, method: str) -> Operation:
    document = api_schema()
    template = path_template(route.path(world.path_values[route.name]))
    operation = document["paths"].get(template or "", {}).get(method.lower(), {})
    hints = functools.partial(_hint, world)
    parameters = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
    query = {p["name"]: example(p.get("schema", {}), document, p["name"], hints) for p in parameters}
    required = {p["name"] for p in parameters if p.get("required")}
    base_query = {name: value for name, value in query.items() if name in required}
    body: Any = None
    base_body: Any = None
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = example(content["application/json"]["schema"], document, "", hints)
        base_body = example(content["application/json"]["schema"], document, "", hints, required_only=True)
    elif method in ("POST", "PUT", "PATCH"):
        body, base_body = {}, {}
    return Operation(query=query, body=body, base_query=base_query, base_body=_with_extras(route, method, base_body))


def liveagent_operation(world: World, route: Route, method: str) -> Operation:
    operation = operation_for(route.name, method)
    query: dict[str, Any] = {}
    body: dict[str, Any] = {}
    base_query: dict[str, Any] = {}
    base_body: dict[str, Any] = {}
    json_params = set()
    for param in operation.params if operation else ():
        if param.location == "path":
            continue
        lowered = param.name.lower()
        value: Any
        if param.type == "int":
            value = "1"
        elif param.type in ("datetime", "opdatetime"):
            value = "2026-01-01 10:00:00"
        elif param.type == "flag":
            value = "Y"
        elif param.type == "codes":
            value = param.values[0] if param.values else "x"
        elif param.type == "json":
            value = "[]"
            json_params.add(param.name)
        elif lowered in ("useridentifier", "agentidentifier"):
            value = world.hints["agent"]
        elif lowered in ("department", "departmentid"):
            value = world.hints["department"]
        else:
            value = _hint(world, param.name, "string")
        (query if param.location == "query" else body)[param.name] = value
        if param.required:
            (base_query if param.location == "query" else base_body)[param.name] = value
    if route.name == "liveagent-file-download":
        query = base_query = {"view": "Y", "file": world.hints["file"]}
    if route.name == "liveagent-conversation-attendants":
        base_body["department"] = world.hints["department"]
    _with_extras(route, method, base_body)
    return Operation(
        query=query, body=body, base_query=base_query, base_body=base_body, json_params=frozenset(json_params)
    )


# --- Sending and judging ---------------------------------------------------------------------------------


def _key_headers(dialect: str, key: str, transport: int, method: str, form: str) -> tuple[dict, list, dict]:
    """(headers, query pairs, body fields) carrying the key, by one of the dialect's ways."""
    if dialect == "freescout":
        transport %= 3
        if transport == 1:
            import base64

            return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(corpus.as_bytes(key) + b":x").decode()}, [], {}
        if transport == 2:
            return {}, [("api_key", key)], {}
        return {"HTTP_X_FREESCOUT_API_KEY": key}, [], {}
    if transport % 2 and form != "query":
        return {}, [], {"apikey": key}
    if transport % 2:
        return {}, [("apikey", key)], {}
    return {"HTTP_APIKEY": key}, [], {}


def judge(sent: Sent, route: Route, method: str, path: str, case: Case, response: Any, error: str | None) -> None:
    where = f"{case.label} [{case.role}] {method} {path[:120]}"
    status = response.status_code
    if not (200 <= status < 300 or 400 <= status < 500):
        detail = (error or response.content[:300].decode(errors="replace")).strip().splitlines()
        sent.failures.append(f"{where} -> {status}: {' | '.join(detail[-3:])[:600]}")
        return
    if status == 429 and case.key is None:
        sent.failures.append(f"{where} -> 429: throttled, so the input was never read")
        return
    if status < 400 or route.public:
        return
    problem = error_shape_problem(route.dialect, path, status, response)
    if problem:
        sent.failures.append(f"{where} -> {status}: {problem}")


def error_shape_problem(dialect: str, path: str, status: int, response: Any) -> str | None:
    content_type = response.headers.get("Content-Type", "")
    body = response.content
    if dialect == "freescout":
        if not content_type.startswith("application/json"):
            return f"not the FreeScout JSON error ({content_type}): {body[:120]!r}"
        data = json.loads(body)
        if set(data) != {"message", "errorCode", "_embedded"} or not isinstance(data["_embedded"].get("errors"), list):
            return f"not the FreeScout error shape: {body[:200]!r}"
        return None
    fmt = format_from_path(path)
    try:
        if fmt == "xml":
            root = ET.fromstring(body)
            data = {root.tag: {child.tag: child.text for child in root}}
        elif fmt == "yaml":
            data = yaml.safe_load(body)
        else:
            data = json.loads(body)
    except Exception as error:
        return f"not {fmt}: {error}: {body[:120]!r}"
    inner = data.get("response") if isinstance(data, dict) else None
    if not isinstance(inner, dict) or inner.get("status") != "ERROR" or str(inner.get("statuscode")) != str(status):
        return f"not the LiveAgent envelope in {fmt}: {body[:200]!r}"
    expected = {"json": "application/json", "xml": "application/xml", "yaml": "application/x-yaml"}[fmt]
    if not content_type.startswith(expected):
        return f"{fmt} answered as {content_type}"
    return None


class _Rollback(Exception):
    pass


def send(sent: Sent, route: Route, method: str, case: Case) -> None:
    world = sent.world
    values = case.path_values or world.path_values[route.name]
    path = route.path(values) + case.suffix
    key = case.key if case.key is not None else world.keys[case.role]
    form = {
        "": "query",
        "application/x-www-form-urlencoded": "urlencoded",
        "application/json": "json",
    }.get(case.content_type, "multipart" if case.content_type.startswith("multipart") else "other")
    headers, key_query, key_body = _key_headers(route.dialect, key, case.key_transport, method, form)
    body = case.body
    if key_body and body is not None and form == "urlencoded":
        body = body + b"&" + corpus.query_string(list(key_body.items())).encode()
    elif key_body and body is not None and form == "json" and body.startswith(b"{") and len(body) > 2:
        body = b'{"apikey":' + corpus.json_text(key) + b"," + body[1:]
    elif key_body:
        key_query = list(key_body.items())
    query = corpus.query_string(case.query + key_query)
    extra = {**headers, **case.headers}
    if case.key is not None:
        extra.setdefault("REMOTE_ADDR", _next_address())
    errors: list[str] = []

    def record(sender: Any, request: Any = None, **kwargs: Any) -> None:
        errors.append(traceback.format_exc())

    got_request_exception.connect(record)
    try:
        with transaction.atomic():
            response = sent.client.generic(
                method,
                path + ("?" + query if query else ""),
                data=body or b"",
                content_type=case.content_type if body is not None else "",
                **extra,
            )
            refused = response.status_code >= 400
            if refused and response.status_code < 500 and method != "GET":
                # Every request is rolled back, so the counts before it are the world's.
                after = row_counts(world.tables)
                changed = [t for t, b, a in zip(world.tables, world.counts, after, strict=True) if a != b]
                if changed:
                    sent.failures.append(
                        f"{case.label} [{case.role}] {method} {path[:100]}: refused but wrote {changed}"
                    )
            raise _Rollback
    except _Rollback:
        pass
    finally:
        got_request_exception.disconnect(record)
    sent.count += 1
    judge(sent, route, method, path, case, response, errors[-1] if errors else None)


# --- The cases of one route and method -------------------------------------------------------------------


def _liveagent_body(form: str, params: list[tuple[Any, Any]], filename: Any) -> tuple[bytes | None, str, list]:
    """(body, content type, query pairs) carrying ``params`` in ``form``."""
    if form == "query":
        return None, "", params
    if form == "urlencoded":
        return corpus.query_string(params).encode(), "application/x-www-form-urlencoded", []
    if form == "multipart":
        return corpus.multipart(params, filename), f"multipart/form-data; boundary={corpus.BOUNDARY}", []
    return corpus.json_text(dict(params)), "application/json", []


def _liveagent_value(operation: Operation, name: str, value: Any, form: str) -> Any:
    if name in operation.json_params and isinstance(value, (str, bytes)):
        # A json-typed parameter is text holding JSON: the hostile value goes inside it too.
        inner = corpus.json_text([{"code": value, "value": value, "name": value}])
        return inner if isinstance(value, bytes) else inner.decode("utf-8", "surrogatepass")
    if form != "json" and not isinstance(value, (str, bytes)):
        return corpus.text_of(value)
    return value


def value_cases(route: Route, method: str, operation: Operation, index: int, thin: bool) -> Iterator[Case]:
    """Each value class, two requests (one for a documentation page): every field hostile, then one field
    hostile among valid neighbours; keys alternate, and the class's values rotate over fields, routes and
    forms."""
    targets = operation.leaves()
    for class_index, (name, values) in enumerate(corpus.VALUE_CLASSES.items()):
        for r in range(1 if thin else 2):
            role = ROLES[(r + index + class_index) % 2]
            turn = index * 7 + class_index * 3 + r
            if r == 0:
                chosen = {target: values[(turn + i) % len(values)] for i, target in enumerate(targets)}
            else:
                chosen = {targets[(index + r + class_index) % len(targets)]: values[turn % len(values)]}
            if name == "filenames":  # names in a valid request: the files' names, else every field
                named = [t for t in targets if "name" in str(t[1][-1]).lower()]
                if named:
                    chosen = {t: values[(turn + i) % len(values)] for i, t in enumerate(named)}
            label = f"{name}#{r}"
            if route.dialect == "freescout":
                query = dict(operation.base_query)
                body = _copy(operation.base_body) if operation.base_body is not None else None
                for (where, path), value in chosen.items():
                    if where == "query":
                        query[path[0]] = value
                    elif body is not None:
                        body = _set(body, path, value, operation.body)
                data = corpus.json_text(body) if body is not None else None
                yield Case(
                    label,
                    role,
                    query=list(query.items()),
                    body=data,
                    content_type="application/json",
                    key_transport=turn,
                )
            else:
                form = LIVEAGENT_FORMS[turn % 4]
                params = {**operation.base_query, **operation.base_body}
                for (_where, path), value in chosen.items():
                    params[str(path[0])] = value
                pairs = [(k, _liveagent_value(operation, k, v, form)) for k, v in params.items()]
                filename = corpus.FILENAMES[turn % len(corpus.FILENAMES)]
                if name in ("surrogate", "nul", "bad_utf8") and r == 1:
                    pairs.append((values[turn % len(values)], "x"))  # a hostile parameter name
                body, content_type, query = _liveagent_body(form, pairs, filename)
                yield Case(
                    f"{label}/{form}",
                    role,
                    query=query,
                    body=body,
                    content_type=content_type,
                    suffix=SUFFIXES[turn % 4],
                    key_transport=turn,
                )


def _half(items: list, index: int, step: int = 2) -> Iterator[tuple[int, Any]]:
    """Every ``step``-th item, starting where ``index`` says: each route gets its share, and neighbouring
    routes the rest."""
    return ((r, item) for r, item in enumerate(items) if (r + index) % step == 0)


def request_cases(route: Route, method: str, operation: Operation, index: int) -> Iterator[Case]:
    """What is hostile about the request rather than a value: its body as a whole, its content type, its
    headers, duplicate keys, paging, bad keys, path parameters. Each class on every route; its variants
    spread over the routes."""
    fs = route.dialect == "freescout"
    base_query = list(operation.base_query.items())
    base_params = {**operation.base_query, **(operation.base_body if isinstance(operation.base_body, dict) else {})}
    base_json = (
        corpus.json_text(operation.base_body if fs else base_params)
        if (operation.base_body is not None or not fs)
        else b"{}"
    )
    for r, nested in enumerate(corpus.VALUE_CLASSES["nesting"][:2]):
        yield Case(
            f"nested-body#{r}",
            ROLES[(r + index) % 2],
            query=base_query,
            body=nested.text.encode(),
            content_type="application/json",
            suffix=SUFFIXES[(r + index) % 4],
        )
    for r, (content_type, data) in _half(corpus.CONTENT_TYPES, index, 3):
        yield Case(
            f"content-type#{r}",
            ROLES[(r + index) % 2],
            query=base_query,
            body=data,
            content_type=content_type,
            suffix=SUFFIXES[(r + index) % 4],
            key_transport=r,
        )
    for r, headers in _half(corpus.HEADERS, index, 3):
        yield Case(
            f"headers#{r}",
            ROLES[(r + index) % 2],
            query=base_query,
            body=base_json,
            content_type="application/json",
            headers=headers,
            suffix=SUFFIXES[(r + index) % 4],
        )
    for r in range(2):
        role = ROLES[(r + index) % 2]
        if fs and isinstance(operation.body, dict) and operation.body:
            yield Case(
                f"duplicate-keys#{r}",
                role,
                query=base_query,
                body=corpus.json_duplicated(operation.body, [None, "", {}][r]),
                content_type="application/json",
            )
        elif not fs:
            pairs = [pair for k, v in base_params.items() for pair in ((k, v), (k, ["", "\x00x"][r]))]
            form = ["urlencoded", "query"][r]
            body, content_type, query = _liveagent_body(form, pairs, "a.txt")
            yield Case(
                f"duplicate-keys#{r}/{form}",
                role,
                query=query,
                body=body,
                content_type=content_type,
                suffix=SUFFIXES[(r + index) % 4],
            )
            yield Case(
                f"duplicate-keys-json#{r}",
                role,
                body=corpus.json_duplicated(base_params or {"a": "b"}, [None, ""][r]),
                content_type="application/json",
                suffix=SUFFIXES[(r + index + 1) % 4],
            )
        query = [*base_query, *[("a" + "[0]" * 2_000, "1")] * (r == 1)]
        yield Case(f"deep-name#{r}", role, query=query)
    for r, paging in _half(corpus.PAGING, index):
        yield Case(
            f"paging#{r}",
            ROLES[(r + index) % 2],
            query=[*base_query, *paging.items()],
            suffix=SUFFIXES[(r + index) % 4],
        )
    for r, bad in _half(corpus.BAD_KEYS, index, 3):
        yield Case(
            f"bad-key#{r}", "admin", query=base_query, key=bad, key_transport=r, suffix=SUFFIXES[(r + index) % 4]
        )
    for j, (r, value) in enumerate(_half(corpus.PATH_VALUES if route.params else [], index)):
        name = route.params[(j + index) % len(route.params)]  # one parameter at a time, the others valid
        yield Case(
            f"path#{r}:{name}",
            ROLES[(r + index) % 2],
            path_values={name: value},
            query=base_query,
            body=base_json if method != "GET" else None,
            content_type="application/json",
            suffix=SUFFIXES[(r + index) % 4],
        )


def cases(world: World, route: Route, method: str, index: int) -> Iterator[Case]:
    operation = (freescout_operation if route.dialect == "freescout" else liveagent_operation)(world, route, method)
    request_level = request_cases(route, method, operation, index)
    if route.public:  # a documentation page: each kind of request once (the schema takes a while to build)
        seen: set[str] = set()
        request_level = (
            c for c in request_level if not (c.label.split("#")[0] in seen or seen.add(c.label.split("#")[0]))
        )
    for case in itertools.chain(value_cases(route, method, operation, index, route.public), request_level):
        if case.path_values is not None:
            case.path_values = {**world.path_values[route.name], **case.path_values}
        if route.dialect == "freescout":
            case.suffix = ""
        yield case


# --- The tests -------------------------------------------------------------------------------------------

ROUTES = [(route, method) for route in dialect_routes() for method in route.methods]


@pytest.mark.parametrize(
    ("index", "route", "method"),
    [(i, route, method) for i, (route, method) in enumerate(ROUTES)],
    ids=[f"{method} {route.template}" for route, method in ROUTES],
)
def test_hostile_input_is_refused_in_the_dialects_shape(world, index, route, method):
    sent = Sent(world)
    for case in cases(world, route, method, index):
        send(sent, route, method, case)
    assert sent.count > 10
    assert not sent.failures, f"{len(sent.failures)} of {sent.count} requests failed:\n" + "\n".join(sent.failures[:25])


def test_every_dialect_route_is_enumerated():
    """The enumeration sees both dialects, their path parameters and their methods, so that a route added
    later is fuzzed without being listed here."""
    templates = {route.template for route in dialect_routes()}
    assert {"/api/conversations/{pk}", "/liveagent/api/conversations/{conversationid}"} <= templates
    assert "/liveagent/scripts/file.php" in templates
    assert all(route.methods for route in dialect_routes())


# --- Pinned cases: bugs this corpus found, each in the form it was found -------------------------------


def _fresh(world: World) -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("file_name", ["..", ".", "a/../../b", "/etc/passwd", "f" * 10_000])
def test_a_freescout_attachment_with_a_path_for_a_name_is_a_json_400_or_stored_safely(world, file_name, media_root):
    conversation = world.path_values["conversation-threads"]["pk"]
    body = {
        "type": "note",
        "text": "hostile",
        "user": world.users["admin"].pk,
        "attachments": [{"fileName": file_name, "mimeType": "text/plain", "data": "aGVsbG8="}],
    }
    response = _fresh(world).post(
        f"/api/conversations/{conversation}/threads",
        json.dumps(body),
        content_type="application/json",
        HTTP_X_FREESCOUT_API_KEY=world.keys["admin"],
    )
    assert response.status_code in (201, 400), response.content[:300]
    assert (
        error_shape_problem("freescout", "/api/", response.status_code, response) is None or response.status_code == 201
    )
    stored = [p for p in media_root.rglob("*") if p.is_file()]
    assert all(media_root in p.resolve().parents for p in stored)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/customers", b'{"firstName": "a", "x": 1e400}'),  # a number past a double: infinity
        ("/api/customers", b'{"firstName": "a\\u0000b"}'),
        ("/api/customers", b'{"firstName": "a", "emails": [{"value": "a@example.com", "type": "work\\u0000"}]}'),
    ],
)
def test_freescout_json_beyond_what_can_be_stored_is_a_parse_error(world, path, body):
    response = _fresh(world).post(
        path, body, content_type="application/json", HTTP_X_FREESCOUT_API_KEY=world.keys["admin"]
    )
    assert response.status_code == 400, response.content[:300]
    assert error_shape_problem("freescout", path, 400, response) is None


@pytest.mark.parametrize("suffix", ["", ".xml", ".yaml"])
def test_liveagent_nul_in_a_path_parameter_is_a_400_in_the_suffix_format(world, suffix):
    path = f"/liveagent/api/customers/%00/groups{suffix}"
    response = _fresh(world).get(path, HTTP_APIKEY=world.keys["admin"])
    assert response.status_code == 400
    assert error_shape_problem("liveagent", path, 400, response) is None


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        ("POST", "/liveagent/api/customers/{customeridentifier}/groups", {"name": "g" * 50_001}),
        ("DELETE", "/liveagent/api/customers/{customeridentifier}/groups", {"name": "g" * 50_001}),
        ("DELETE", "/liveagent/api/conversations/{conversationid}", {"useridentifier": "u" * 50_001}),
        ("GET", "/liveagent/api/conversations", {"subject": "s" * 50_001}),
    ],
)
def test_liveagent_body_values_too_long_for_a_like_pattern_are_no_500(world, method, path, params):
    """SQLite refuses LIKE patterns over 50,000 bytes: the query string is capped before any view, but a
    LiveAgent body carries the same parameters."""
    for name, value in world.by_param.items():
        path = path.replace("{" + name + "}", value)
    body = json.dumps(params)
    response = _fresh(world).generic(
        method, path, body, content_type="application/json", HTTP_APIKEY=world.keys["admin"]
    )
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        assert error_shape_problem("liveagent", path, response.status_code, response) is None


@pytest.mark.parametrize(
    ("dialect", "path"),
    [
        ("freescout", "/api/conversations"),
        ("liveagent", "/liveagent/api/conversations"),
        ("liveagent", "/liveagent/api/conversations.xml"),
        ("liveagent", "/liveagent/api/conversations.yaml"),
    ],
)
def test_a_request_django_finds_suspicious_is_a_400_in_the_dialects_shape(world, dialect, path):
    """A ``SuspiciousOperation`` raised outside a view's exception handler (here a Host header not allowed,
    elsewhere a file name that is a path) is answered by ``helpdesk.dialects.handler400``: the dialect's
    error, not Django's HTML page, and never the exception's text (it may name a server path)."""
    headers = {"HTTP_X_FREESCOUT_API_KEY": world.keys["admin"], "HTTP_APIKEY": world.keys["admin"]}
    response = _fresh(world).get(path, HTTP_HOST="evil.example", **headers)
    assert response.status_code == 400
    assert error_shape_problem(dialect, path, 400, response) is None
    assert b"evil.example" not in response.content


def test_every_route_meets_every_class_of_input(world):
    """The sampling spreads values over routes, never classes: each route and method gets every class, with
    both keys, and LiveAgent's every body form and answer format."""
    request_classes = {"nested-body", "content-type", "headers", "duplicate-keys", "deep-name", "paging", "bad-key"}
    for index, (route, method) in enumerate(ROUTES):
        generated = list(cases(world, route, method, index))
        families = {case.label.split("#")[0] for case in generated}
        expected = set(corpus.VALUE_CLASSES) | request_classes | ({"path"} if route.params else set())
        if route.dialect == "freescout" and not freescout_operation(world, route, method).body:
            expected.discard("duplicate-keys")  # no JSON body to repeat keys in
        missing = expected - families
        assert not missing, f"{method} {route.template} misses {missing}"
        assert {case.role for case in generated} == set(ROLES), f"{method} {route.template}"
        if route.dialect == "liveagent" and not route.public:
            forms = {case.label.rsplit("/", 1)[-1] for case in generated if "/" in case.label}
            assert set(LIVEAGENT_FORMS) <= forms, f"{method} {route.template}: {forms}"
            assert {case.suffix for case in generated} >= {"", ".xml", ".yaml"}, f"{method} {route.template}"
