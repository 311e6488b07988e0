"""The webhook admin: writes through webhooks.services, the test-event, enable, disable and rotate actions,
and redelivery from the delivery log."""

import pytest
from django.urls import reverse

from customers.services import customer_create
from tests.factories import WebhookFactory
from tests.http_receiver import Receiver, Reply
from webhooks.models import Event, Webhook, WebhookDelivery
from webhooks.services import webhook_disable
from webhooks.tasks import webhook_deliver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True


@pytest.fixture
def logged_in(client, admin):
    client.force_login(admin)
    return client


def changelist_action(client, model, action: str, *ids: int):
    url = reverse(f"admin:webhooks_{model._meta.model_name}_changelist")
    return client.post(url, {"action": action, "_selected_action": [str(pk) for pk in ids]}, follow=True)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_adding_a_disabled_webhook(logged_in, mailbox):
    response = logged_in.post(
        reverse("admin:webhooks_webhook_add"),
        {"url": "https://hooks.example.com/x", "events": ["convo.created", "nope"], "mailboxes": [mailbox.pk]},
    )
    assert response.status_code == 200  # "nope" is not a choice
    response = logged_in.post(
        reverse("admin:webhooks_webhook_add"),
        {"url": "https://hooks.example.com/x", "events": ["convo.created"], "mailboxes": [mailbox.pk]},
    )
    assert response.status_code == 302
    webhook = Webhook.objects.get()
    assert (webhook.enabled, webhook.disabled_reason) == (False, "Disabled by admin@example.com.")
    assert list(webhook.mailboxes.all()) == [mailbox]


def test_changing_a_webhook_goes_through_the_services(logged_in, mailbox):
    webhook = WebhookFactory(url="https://hooks.example.com/x", events=[Event.CONVO_CREATED])
    webhook_disable(webhook=webhook, reason="410")
    url = reverse("admin:webhooks_webhook_change", args=[webhook.pk])
    data = {
        "url": "https://hooks.example.com/y",
        "events": ["customer.created"],
        "mailboxes": [mailbox.pk],
        # The (read-only, empty) deliveries inline.
        "deliveries-TOTAL_FORMS": "0",
        "deliveries-INITIAL_FORMS": "0",
    }
    response = logged_in.post(url, {**data, "enabled": "on"})
    assert response.status_code == 302
    webhook.refresh_from_db()
    assert (webhook.url, webhook.events, webhook.enabled, webhook.disabled_reason) == (
        "https://hooks.example.com/y",
        ["customer.created"],
        True,
        "",
    )
    assert list(webhook.mailboxes.all()) == [mailbox]
    assert logged_in.post(url, {**data, "url": "http://169.254.169.254/"}).status_code == 200  # SSRF
    webhook.refresh_from_db()
    assert webhook.url == "https://hooks.example.com/y" and webhook.enabled


def test_the_test_event_action_reports_each_result(logged_in):
    with Receiver(script=[Reply(200)], default=Reply(500)) as receiver:
        good = WebhookFactory(url=receiver.url, events=[Event.CONVO_CREATED])
        bad = WebhookFactory(url=receiver.url, events=[Event.CONVO_CREATED])
        response = changelist_action(logged_in, Webhook, "send_test_event", good.pk, bad.pk)
        assert [r.headers["x-freescout-event"] for r in receiver.received] == ["freescout.test"] * 2
    assert sorted(messages_of(response)) == sorted([f"{receiver.url}: HTTP 200", f"{receiver.url}: HTTP 500"])


def test_enable_disable_and_rotate_actions(logged_in):
    webhook = WebhookFactory(url="https://hooks.example.com/x", events=[Event.CONVO_CREATED])
    old = webhook.secret
    changelist_action(logged_in, Webhook, "disable", webhook.pk)
    webhook.refresh_from_db()
    assert (webhook.enabled, webhook.disabled_reason) == (False, "Disabled by admin@example.com.")
    changelist_action(logged_in, Webhook, "enable", webhook.pk)
    changelist_action(logged_in, Webhook, "rotate_secret", webhook.pk)
    webhook.refresh_from_db()
    assert webhook.enabled and webhook.secret != old and webhook.previous_secret == old
    page = logged_in.get(reverse("admin:webhooks_webhook_change", args=[webhook.pk])).content.decode()
    assert webhook.secret in page and "UTC" in page  # the previous secret's expiry


def test_redeliver_from_the_delivery_log(logged_in):
    with Receiver() as receiver:
        WebhookFactory(url=receiver.url, events=[Event.CUSTOMER_CREATED])
        customer_create(first_name="Ada", emails=[("ada@example.org", "work")])
        delivery = WebhookDelivery.objects.get()
        webhook_deliver(delivery.pk)
        response = changelist_action(logged_in, WebhookDelivery, "redeliver", delivery.pk)
        assert messages_of(response) == ["1 deliver(ies) queued again."]
        delivery.refresh_from_db()
        assert delivery.status == "pending"
        webhook_deliver(delivery.pk)
        assert len(receiver.received) == 2
    # The delivery itself stays read-only.
    page = logged_in.get(reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content


def test_the_changelist_shows_the_last_attempt(logged_in):
    with Receiver(default=Reply(503)) as receiver:
        webhook = WebhookFactory(url=receiver.url, events=[Event.CONVO_CREATED])
        changelist_action(logged_in, Webhook, "send_test_event", webhook.pk)
    page = logged_in.get(reverse("admin:webhooks_webhook_changelist")).content.decode()
    assert "HTTP 503" in page
