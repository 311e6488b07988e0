"""The webhook extensions of the API: a test ping, the delivery log, redelivery; and the webhook's
``lastRunTime`` / ``lastRunError`` from real attempts. Requests go to a real receiver on loopback."""

import orjson
import pytest
from django.utils import timezone

from customers.services import customer_create
from freescout.payloads import date_out
from tests.api_helpers import assert_error, client_for
from tests.factories import WebhookFactory
from tests.http_receiver import Receiver, Reply
from webhooks.models import Event, WebhookDelivery
from webhooks.services import webhook_disable
from webhooks.signing import freescout_signature
from webhooks.tasks import webhook_deliver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True


def test_ping_sends_freescout_test_once_and_answers_with_the_delivery(admin_api):
    with Receiver(default=Reply(200, body=b"pong")) as receiver:
        webhook = WebhookFactory(url=receiver.url, events=[Event.CONVO_CREATED])
        response = admin_api.post(f"/api/webhooks/{webhook.pk}/test")
    assert response.status_code == 200, response.content
    (request,) = receiver.received
    assert request.headers["x-freescout-event"] == "freescout.test"
    assert request.headers["x-freescout-signature"] == freescout_signature(request.body, webhook.secret)
    assert orjson.loads(request.body)["webhookId"] == webhook.pk
    delivery = WebhookDelivery.objects.get()
    attempt = delivery.attempts.get()
    assert response.json() == {
        "id": delivery.pk,
        "eventId": request.headers["webhook-id"],
        "event": "freescout.test",
        "status": "succeeded",
        "attemptsCount": 1,
        "nextAttemptAt": None,
        "createdAt": date_out(delivery.created_at),
        "finishedAt": date_out(delivery.finished_at),
        "_embedded": {
            "attempts": [
                {
                    "id": attempt.pk,
                    "startedAt": date_out(attempt.started_at),
                    "durationMs": attempt.duration_ms,
                    "statusCode": 200,
                    "error": None,
                    "responseBody": "pong",
                }
            ]
        },
    }


def test_a_failed_ping_is_not_retried_and_shows_as_the_webhooks_last_run(admin_api):
    with Receiver(default=Reply(500)) as receiver:
        webhook = WebhookFactory(url=receiver.url, events=[Event.CONVO_CREATED])
        body = admin_api.post(f"/api/webhooks/{webhook.pk}/test").json()
    assert (body["status"], body["nextAttemptAt"]) == ("failed", None)
    assert body["_embedded"]["attempts"][0]["error"] == "HTTP 500"
    shown = admin_api.get(f"/api/webhooks/{webhook.pk}").json()
    assert shown["lastRunError"] == "HTTP 500"
    assert shown["lastRunTime"] == body["_embedded"]["attempts"][0]["startedAt"]


def test_a_disabled_webhook_can_be_pinged(admin_api):
    with Receiver() as receiver:
        webhook = WebhookFactory(url=receiver.url, events=[Event.CONVO_CREATED])
        webhook_disable(webhook=webhook, reason="testing")
        assert admin_api.post(f"/api/webhooks/{webhook.pk}/test").json()["status"] == "succeeded"
        assert len(receiver.received) == 1


def test_the_delivery_log_lists_newest_first_with_attempts_oldest_first(admin_api):
    with Receiver(script=[Reply(503)]) as receiver:
        webhook = WebhookFactory(url=receiver.url, events=[Event.CUSTOMER_CREATED])
        customer_create(first_name="Ada", emails=[("ada@example.org", "work")])
        customer_create(first_name="Bob", emails=[("bob@example.org", "work")])
        first, second = WebhookDelivery.objects.order_by("id")
        webhook_deliver(first.pk)
        WebhookDelivery.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now())
        webhook_deliver(first.pk)
    response = admin_api.get(f"/api/webhooks/{webhook.pk}/deliveries", {"pageSize": 1})
    assert response.status_code == 200
    body = response.json()
    assert body["page"] == {"size": 1, "totalElements": 2, "totalPages": 2, "number": 1}
    (newest,) = body["_embedded"]["deliveries"]
    assert (newest["id"], newest["status"], newest["_embedded"]["attempts"]) == (second.pk, "pending", [])
    older = admin_api.get(f"/api/webhooks/{webhook.pk}/deliveries", {"page": 2, "pageSize": 1}).json()
    (delivery,) = older["_embedded"]["deliveries"]
    assert [a["statusCode"] for a in delivery["_embedded"]["attempts"]] == [503, 200]
    assert delivery["status"] == "succeeded"


def test_redeliver_sends_the_same_event_again(admin_api, django_capture_on_commit_callbacks):
    with Receiver() as receiver:
        webhook = WebhookFactory(url=receiver.url, events=[Event.CUSTOMER_CREATED])
        customer_create(first_name="Ada", emails=[("ada@example.org", "work")])
        delivery = WebhookDelivery.objects.get()
        webhook_deliver(delivery.pk)
        with django_capture_on_commit_callbacks() as queued:
            response = admin_api.post(f"/api/webhooks/{webhook.pk}/deliveries/{delivery.pk}/redeliver")
        assert response.status_code == 200
        assert (response.json()["status"], response.json()["attemptsCount"]) == ("pending", 1)
        assert len(queued) == 1  # the send task, on commit
        webhook_deliver(delivery.pk)  # what the worker does with it
        first, again = receiver.received
    assert first.body == again.body and first.headers["webhook-id"] == again.headers["webhook-id"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts_count) == ("succeeded", 2)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/webhooks/{id}/test"),
        ("get", "/api/webhooks/{id}/deliveries"),
        ("post", "/api/webhooks/{id}/deliveries/{delivery}/redeliver"),
    ],
)
def test_the_extensions_are_for_admin_keys_only(agent, method, path):
    webhook = WebhookFactory(url="https://hooks.example.com/x", events=[Event.CUSTOMER_CREATED])
    customer_create(first_name="Ada", emails=[("ada@example.org", "work")])
    delivery = WebhookDelivery.objects.get()
    response = getattr(client_for(agent), method)(path.format(id=webhook.pk, delivery=delivery.pk))
    assert_error(response, 403, "FORBIDDEN")
    assert WebhookDelivery.objects.get().attempts_count == 0


@pytest.mark.parametrize(
    "path",
    [
        "/api/webhooks/9999/test",
        "/api/webhooks/{id}/deliveries/9999/redeliver",
        "/api/webhooks/{other}/deliveries/{delivery}/redeliver",
    ],
)
def test_unknown_or_foreign_ids_are_404s(admin_api, path):
    webhook = WebhookFactory(url="https://hooks.example.com/x", events=[Event.CUSTOMER_CREATED])
    other = WebhookFactory(url="https://hooks.example.com/y", events=[Event.CONVO_CREATED])
    customer_create(first_name="Ada", emails=[("ada@example.org", "work")])
    delivery = WebhookDelivery.objects.get()
    response = admin_api.post(path.format(id=webhook.pk, other=other.pk, delivery=delivery.pk))
    assert_error(response, 404, "NOT FOUND")


def test_the_delivery_log_of_an_unknown_webhook_is_a_404(admin_api):
    assert_error(admin_api.get("/api/webhooks/9999/deliveries"), 404, "NOT FOUND")


def test_get_is_not_allowed_on_the_ping(admin_api):
    webhook = WebhookFactory(url="https://hooks.example.com/x", events=[Event.CUSTOMER_CREATED])
    assert_error(admin_api.get(f"/api/webhooks/{webhook.pk}/test"), 405, "METHOD NOT ALLOWED")
