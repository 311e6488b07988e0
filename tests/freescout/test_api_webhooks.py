"""POST/GET/DELETE /api/webhooks: exact JSON, event and mailbox input, the URL rules of
freescout-behaviour.md §6 (SSRF), admin keys only, and the last run read from real attempts."""

import socket
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations import services as conversation_services
from freescout.payloads import date_out
from tests.api_helpers import client_for, error_paths
from tests.factories import ConversationFactory, MailboxFactory, WebhookFactory
from webhooks.models import Event, Webhook, WebhookAttempt, WebhookDelivery, WebhookEvent

pytestmark = pytest.mark.django_db

PUBLIC_URL = "https://hooks.example.com/helpdesk"


@pytest.fixture
def dns(monkeypatch):
    """Simulated DNS answers ``{name: [ip, ...]}``: the real network is not consulted for these names, so
    the tests do not depend on what (or whether) the machine's resolver answers. Other names go to the real
    resolver (``.invalid`` never resolves, RFC 6761). The same technique as tests/core/test_outbound.py."""
    answers: dict[str, list[str]] = {"hooks.example.com": ["93.184.215.14"]}
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        if host not in answers:
            return real_getaddrinfo(host, port, family, type, proto, flags)
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (ip, port, 0, 0))
            if ":" in ip
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))
            for ip in answers[host]
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


def create(api, **body):
    return api.post("/api/webhooks", {"url": PUBLIC_URL, "events": ["convo.created"], **body}, format="json")


def test_create_answers_201_with_resource_id_and_the_exact_json(admin_api, dns, mailbox):
    other = MailboxFactory()
    response = create(
        admin_api,
        events=["customer.created", "convo.status", "convo.created", "convo.status", "no.such.event"],
        mailboxes=[str(other.pk), mailbox.pk, mailbox.pk],
    )
    assert response.status_code == 201, response.json()
    webhook = Webhook.objects.get()
    assert response["Resource-ID"] == str(webhook.pk)
    body = response.json()
    assert body == {
        "id": webhook.pk,
        "url": PUBLIC_URL,
        # Unknown names dropped, duplicates once, in the order of the Event choices.
        "events": ["convo.created", "convo.status", "customer.created"],
        "lastRunTime": None,
        "lastRunError": None,
        "mailboxes": sorted([mailbox.pk, other.pk]),
        "secret": webhook.secret,
        "enabled": True,
        "createdAt": date_out(webhook.created_at),
    }
    # Documented keys first, ours after.
    assert list(body) == [
        "id",
        "url",
        "events",
        "lastRunTime",
        "lastRunError",
        "mailboxes",
        "secret",
        "enabled",
        "createdAt",
    ]
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert webhook.events == ["convo.created", "convo.status", "customer.created"]
    assert set(webhook.mailboxes.values_list("pk", flat=True)) == {mailbox.pk, other.pk}


def test_each_webhook_gets_its_own_secret(admin_api, dns):
    assert create(admin_api).json()["secret"] != create(admin_api).json()["secret"]


def test_get_one_and_the_list(admin_api, dns):
    first = create(admin_api).json()
    second = create(admin_api, url="http://does-not-exist.invalid/hook", events=["customer.updated"]).json()
    assert admin_api.get(f"/api/webhooks/{first['id']}").json() == first
    assert admin_api.get(f"/api/webhooks/{second['id']}/").json() == second
    assert admin_api.get("/api/webhooks").json() == {
        "_embedded": {"webhooks": [first, second]},
        "page": {"size": 50, "totalElements": 2, "totalPages": 1, "number": 1},
    }
    page_two = admin_api.get("/api/webhooks", {"pageSize": 1, "page": 2}).json()
    assert page_two == {
        "_embedded": {"webhooks": [second]},
        "page": {"size": 1, "totalElements": 2, "totalPages": 2, "number": 2},
    }


def test_an_empty_list_keeps_the_envelope(admin_api):
    assert admin_api.get("/api/webhooks").json() == {
        "_embedded": {"webhooks": []},
        "page": {"size": 50, "totalElements": 0, "totalPages": 1, "number": 1},
    }


def _attempts_for(webhook: Webhook, count: int) -> None:
    event = WebhookEvent.objects.create(name="convo.created", payload=b"{}")
    delivery = WebhookDelivery.objects.create(event=event, webhook=webhook)
    for _ in range(count):
        WebhookAttempt.objects.create(delivery=delivery, status_code=200)


def test_the_list_costs_the_same_queries_for_one_webhook_or_many(admin_api):
    mailboxes = [MailboxFactory(), MailboxFactory()]
    webhook = WebhookFactory()
    webhook.mailboxes.set(mailboxes)
    _attempts_for(webhook, 2)
    admin_api.get("/api/webhooks")  # the key's first use writes its last-used time
    with CaptureQueriesContext(connection) as one:
        assert admin_api.get("/api/webhooks").status_code == 200
    for _ in range(5):
        webhook = WebhookFactory()
        webhook.mailboxes.set(mailboxes)
        _attempts_for(webhook, 3)
    with CaptureQueriesContext(connection) as six:
        response = admin_api.get("/api/webhooks")
    assert len(response.json()["_embedded"]["webhooks"]) == 6
    assert len(six) == len(one)


# --- events -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("events", [["no.such.event"], [], ["", "convo.*"]])
def test_no_known_event_is_a_400_at_events(admin_api, dns, events):
    response = create(admin_api, events=events)
    assert response.status_code == 400
    errors = error_paths(response)
    assert list(errors) == ["events"]
    assert "convo.created" in errors["events"]["message"]
    assert not Webhook.objects.exists()


def test_every_documented_event_and_the_extra_ones_are_accepted(admin_api, dns):
    response = create(admin_api, events=list(reversed(Event.values)))
    assert response.json()["events"] == list(Event.values)


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"events": ["convo.created"]}, "url"),
        ({"url": PUBLIC_URL}, "events"),
        ({"url": PUBLIC_URL, "events": "convo.created"}, "events"),
        ({"url": PUBLIC_URL, "events": [{"name": "convo.created"}]}, "events[0]"),
        ({"url": "", "events": ["convo.created"]}, "url"),
    ],
)
def test_missing_or_malformed_fields_are_400(admin_api, dns, body, path):
    response = admin_api.post("/api/webhooks", body, format="json")
    assert response.status_code == 400
    assert list(error_paths(response)) == [path]


# --- mailboxes ----------------------------------------------------------------------------------------------


def test_an_unknown_mailbox_is_a_400_at_its_index(admin_api, dns, mailbox):
    response = create(admin_api, mailboxes=[mailbox.pk, 9999])
    assert response.status_code == 400
    errors = error_paths(response)
    assert list(errors) == ["mailboxes[1]"]
    assert errors["mailboxes[1]"]["rejectedValue"] == 9999
    assert not Webhook.objects.exists()


@pytest.mark.parametrize("mailboxes", [None, []])
def test_no_mailbox_filter_means_every_mailbox(admin_api, dns, mailboxes):
    assert create(admin_api, mailboxes=mailboxes).json()["mailboxes"] == []


def test_the_mailbox_filter_is_used_for_conversation_events(admin_api, admin, dns, mailbox):
    other_mailbox = MailboxFactory()
    hook_id = create(admin_api, events=["convo.status"], mailboxes=[mailbox.pk]).json()["id"]
    elsewhere = ConversationFactory(mailbox=other_mailbox)
    conversation_services.conversation_change_status(conversation=elsewhere, status="closed", by_user=admin)
    assert not WebhookDelivery.objects.filter(webhook_id=hook_id).exists()
    here = ConversationFactory(mailbox=mailbox)
    conversation_services.conversation_change_status(conversation=here, status="closed", by_user=admin)
    assert WebhookDelivery.objects.filter(webhook_id=hook_id).count() == 1


# --- the URL (freescout-behaviour.md §6, reliability.md SSRF) --------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1/hook", "127.0.0.1 is not a public address"),
        ("http://10.0.0.1/hook", "10.0.0.1 is not a public address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is not a public address"),
        ("http://[::1]:8080/hook", "::1 is not a public address"),
        ("http://192.168.1.10/hook", "192.168.1.10 is not a public address"),
    ],
)
def test_a_literal_non_public_address_is_a_400_at_url(admin_api, url, message):
    response = create(admin_api, url=url)
    assert response.status_code == 400
    errors = error_paths(response)
    assert list(errors) == ["url"]
    assert errors["url"]["message"] == message
    assert errors["url"]["rejectedValue"] == url
    assert not Webhook.objects.exists()


def test_a_name_resolving_to_a_private_address_is_a_400(admin_api, dns):
    # DNS is simulated (the `dns` fixture replaces socket.getaddrinfo): one public and one private answer.
    dns["intranet.example.com"] = ["93.184.215.14", "10.1.2.3"]
    response = create(admin_api, url="https://intranet.example.com/hook")
    assert response.status_code == 400
    assert error_paths(response)["url"]["message"] == "intranet.example.com resolves to a non-public address 10.1.2.3"
    assert not Webhook.objects.exists()


def test_a_name_that_does_not_resolve_is_accepted(admin_api):
    # Delivery checks the URL again; the name may exist by then.
    response = create(admin_api, url="http://does-not-exist.invalid/hook")
    assert response.status_code == 201
    assert response.json()["url"] == "http://does-not-exist.invalid/hook"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://hooks.example.com/hook", "not http(s)"),
        ("hooks.example.com/hook", "not http(s)"),
        ("https://user:password@hooks.example.com/hook", "credentials in URL not allowed"),
        ("https:///hook", "no host in URL"),
        ("http://2130706433/hook", "non-canonical IPv4 address 2130706433"),
    ],
)
def test_a_malformed_url_is_a_400(admin_api, dns, url, message):
    response = create(admin_api, url=url)
    assert response.status_code == 400
    assert error_paths(response)["url"]["message"] == message


def test_a_too_long_url_is_a_400(admin_api, dns):
    response = create(admin_api, url=PUBLIC_URL + "/" + "a" * 2000)
    assert response.status_code == 400
    assert list(error_paths(response)) == ["url"]


def test_private_networks_may_be_allowed_by_a_setting(admin_api, settings):
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    response = create(admin_api, url="http://127.0.0.1:8080/hook")
    assert response.status_code == 201
    # Link-local (cloud metadata) stays closed even then.
    assert create(admin_api, url="http://169.254.169.254/").status_code == 400


# --- delete -------------------------------------------------------------------------------------------------


def test_delete_answers_204_and_takes_the_deliveries_with_it(admin_api):
    webhook, other = WebhookFactory(), WebhookFactory()
    shared = WebhookEvent.objects.create(name="convo.created", payload=b"{}")
    only_ours = WebhookEvent.objects.create(name="convo.created", payload=b"{}")
    ours = WebhookDelivery.objects.create(event=shared, webhook=webhook)
    WebhookDelivery.objects.create(event=only_ours, webhook=webhook)
    WebhookDelivery.objects.create(event=shared, webhook=other)
    WebhookAttempt.objects.create(delivery=ours, status_code=500)

    response = admin_api.delete(f"/api/webhooks/{webhook.pk}")
    assert response.status_code == 204
    assert response.content == b""
    assert "Resource-ID" not in response
    assert list(Webhook.objects.all()) == [other]
    assert not WebhookDelivery.objects.filter(webhook_id=webhook.pk).exists()
    assert not WebhookAttempt.objects.exists()
    # An event nobody else was to receive goes too; one still owed to another webhook stays.
    assert list(WebhookEvent.objects.all()) == [shared]
    assert admin_api.get(f"/api/webhooks/{webhook.pk}").status_code == 404


# --- permissions and errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/webhooks"),
        ("post", "/api/webhooks"),
        ("get", "/api/webhooks/{id}"),
        ("put", "/api/webhooks/{id}"),
        ("delete", "/api/webhooks/{id}"),
    ],
)
def test_a_regular_users_key_is_refused_with_403_on_every_method(agent, method, path):
    webhook = WebhookFactory()
    body = {"url": PUBLIC_URL, "events": ["convo.created"]}
    response = getattr(client_for(agent), method)(path.format(id=webhook.pk), body, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "message": "Only an admin's API key may do this.",
        "errorCode": "FORBIDDEN",
        "_embedded": {"errors": []},
    }
    assert list(Webhook.objects.all()) == [webhook]


def test_no_key_is_a_401(api_client):
    assert api_client.get("/api/webhooks").status_code == 401


@pytest.mark.parametrize("method", ["get", "delete"])
def test_an_unknown_id_is_a_404(admin_api, method):
    response = getattr(admin_api, method)("/api/webhooks/9999")
    assert response.status_code == 404
    assert response.json()["errorCode"] == "NOT FOUND"


@pytest.mark.parametrize("method", ["put", "patch"])
def test_updating_is_a_405(admin_api, method):
    webhook = WebhookFactory()
    response = getattr(admin_api, method)(f"/api/webhooks/{webhook.pk}", {"url": PUBLIC_URL}, format="json")
    assert response.status_code == 405
    assert response.json()["errorCode"] == "METHOD NOT ALLOWED"


# --- last run -----------------------------------------------------------------------------------------------


def _attempt(delivery: WebhookDelivery, minutes_ago: int, **fields) -> WebhookAttempt:
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC) - timedelta(minutes=minutes_ago)
    return WebhookAttempt.objects.create(delivery=delivery, started_at=at, **fields)


@pytest.mark.parametrize(
    ("latest", "error"),
    [
        ({"status_code": 200}, None),
        ({"status_code": 204}, None),
        ({"status_code": 500}, "HTTP 500"),
        ({"status_code": 302}, "HTTP 302"),
        ({"error": "timed out after 15 s"}, "timed out after 15 s"),
        ({"status_code": 502, "error": "connection reset"}, "connection reset"),
    ],
)
def test_last_run_comes_from_the_latest_attempt(admin_api, latest, error):
    webhook = WebhookFactory()
    older = WebhookDelivery.objects.create(event=WebhookEvent.objects.create(name="a", payload=b"{}"), webhook=webhook)
    newer = WebhookDelivery.objects.create(event=WebhookEvent.objects.create(name="b", payload=b"{}"), webhook=webhook)
    _attempt(newer, 30, error="refused")
    _attempt(older, 5, **latest)
    _attempt(older, 60, status_code=200)
    # Another webhook's later attempt is not ours.
    stranger = WebhookFactory()
    _attempt(WebhookDelivery.objects.create(event=newer.event, webhook=stranger), 1, error="elsewhere")

    body = admin_api.get(f"/api/webhooks/{webhook.pk}").json()
    assert (body["lastRunTime"], body["lastRunError"]) == ("2026-03-01T11:55:00Z", error)
    listed = admin_api.get("/api/webhooks").json()["_embedded"]["webhooks"]
    assert listed[0] == body
    assert (listed[1]["lastRunTime"], listed[1]["lastRunError"]) == ("2026-03-01T11:59:00Z", "elsewhere")
