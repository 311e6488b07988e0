"""Webhook delivery end to end: a real Celery worker (with beat, so the sweeper runs), a real Redis of the
test's own on a random port (so it can be stopped without disturbing anything else), the test database,
and a real HTTP receiver on loopback. The worker shares the database, so these tests commit
(``transaction=True``) and run on PostgreSQL; the embedded default (SQLite and the file broker) has its
own end-to-end test at the bottom, in a data directory of its own."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import orjson
import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from kombu import pools
from rest_framework.test import APIClient
from standardwebhooks.webhooks import Webhook as StandardWebhook

from helpdesk.celery import app as celery_app
from helpdesk.services import api_key_create
from mailboxes.models import Folder
from mailboxes.services import mailbox_user_grant
from tests.factories import AdminFactory, ConversationFactory, CustomerFactory, MailboxFactory, UserFactory
from tests.http_receiver import Receiver, Reply
from webhooks.models import Event, Webhook, WebhookAttempt, WebhookDelivery, WebhookEvent
from webhooks.services import webhook_create
from webhooks.signing import freescout_signature

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

LEASE_SECONDS = 4
CELERY_WORKER = [sys.executable, "-m", "celery", "-A", "helpdesk", "worker"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            with contextlib.suppress(redis.ConnectionError):
                client.ping()
                return
            time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


class Worker:
    """``celery worker --beat --pool solo``, as `make run` starts it, with a short retry schedule; ``pool``
    gives another pool (production's ``--pool threads``)."""

    def __init__(self, env: dict[str, str], log: Path, pool: tuple[str, ...] = ("--pool", "solo")) -> None:
        self.env, self.log, self.pool = env, log, pool
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.log.write_text("")
        self.process = subprocess.Popen(
            [*CELERY_WORKER, "--beat", *self.pool, "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            # Its own process group: ``--beat`` runs beat in a child process, which must die with the worker.
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if " ready." in self.log.read_text():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"the worker did not start:\n{self.log.read_text()}")

    def kill(self) -> None:
        """SIGKILL to the worker and its beat child, as a crash would take them both."""
        self._signal_group(signal.SIGKILL)

    def stop(self) -> None:
        self._signal_group(signal.SIGTERM)

    def _signal_group(self, signum: int) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=20)
        # Nothing of the group may stay behind (beat can outlive a terminated worker for a moment).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None


def worker_env(data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "HELPDESK_DATA_DIR": str(data_dir),
        # The test process's keys: its own data directory's key would open none of the secrets the tests wrote
        # (webhook secrets to sign with, mailbox passwords to fetch mail with).
        "HELPDESK_ENCRYPTION_KEYS": ",".join(settings.HELPDESK_ENCRYPTION_KEYS),
        "HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true",
        "HELPDESK_OUTBOX_RETRY_SCHEDULE": "0,0.3,0.3,0.3,0.3",
        "HELPDESK_OUTBOX_SWEEP_SECONDS": "1",
        "HELPDESK_OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
        **extra,
    }


@contextlib.contextmanager
def broker(url: str):
    """This process (and the live server's threads) publishes tasks to ``url``, with the production Redis
    timeouts, meanwhile. The keys are the Django-namespaced ones the app was configured with: setting
    ``conf.broker_url`` instead changes nothing the app reads, and the tasks went on to the file broker."""

    def reset() -> None:
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        pools.reset()

    conf = celery_app.conf
    saved = conf["CELERY_BROKER_URL"], conf["CELERY_BROKER_TRANSPORT_OPTIONS"]
    reset()
    conf["CELERY_BROKER_URL"] = url
    conf["CELERY_BROKER_TRANSPORT_OPTIONS"] = settings.HELPDESK_REDIS_TRANSPORT_OPTIONS
    try:
        yield
    finally:
        reset()
        conf["CELERY_BROKER_URL"], conf["CELERY_BROKER_TRANSPORT_OPTIONS"] = saved


@pytest.fixture
def rig(transactional_db, tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the worker shares the test database, which takes PostgreSQL; see the embedded default test")
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    server = RedisServer(tmp_path)
    server.start()
    worker = Worker(worker_env(tmp_path, DATABASE_URL=database_url, REDIS_URL=server.url), tmp_path / "worker.log")
    try:
        with broker(server.url):
            yield server, worker
    finally:
        worker.stop()
        server.stop()


def wait_until(condition, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def all_delivered() -> bool:
    return not WebhookDelivery.objects.exclude(status="succeeded").exists()


def test_every_event_from_the_api_and_the_admin_arrives_once_signed_with_the_stored_bytes(rig):
    _, worker = rig
    worker.start()
    admin, agent = AdminFactory(), UserFactory()
    api = APIClient()
    api.credentials(HTTP_X_FREESCOUT_API_KEY=api_key_create(user=admin)[1])
    support, sales = MailboxFactory(), MailboxFactory()
    mailbox_user_grant(mailbox=support, user=agent)
    with Receiver() as receiver:
        webhook = webhook_create(url=receiver.url, events=Event.values)
        created = api.post(
            "/api/conversations",
            {
                "type": "email",
                "mailboxId": support.pk,
                "subject": "Hi",
                "customer": {"email": "new@example.org"},
                "threads": [{"type": "customer", "text": "Hello"}],
            },
            format="json",
        )
        conversation_id = created.json()["id"]
        threads = f"/api/conversations/{conversation_id}/threads"
        assert api.post(threads, {"type": "customer", "text": "More"}, format="json").status_code == 201
        assert api.post(threads, {"type": "message", "text": "Hi", "user": admin.pk}, format="json").status_code == 201
        assert api.post(threads, {"type": "note", "text": "n", "user": admin.pk}, format="json").status_code == 201
        url = f"/api/conversations/{conversation_id}"
        for change in ({"status": "closed"}, {"assignTo": agent.pk}, {"mailboxId": sales.pk}):
            assert api.put(url, {**change, "byUser": admin.pk}, format="json").status_code == 204
        customer_id = created.json()["customer"]["id"]
        assert api.put(f"/api/customers/{customer_id}", {"firstName": "Ada"}, format="json").status_code == 204
        # The admin (agent UI) is the entry point of moving to Deleted and back.
        other = ConversationFactory(mailbox=support, customer=CustomerFactory())
        agent_ui = Client()
        agent_ui.force_login(admin)
        changelist = reverse("admin:conversations_conversation_changelist")
        deleted_folder = f"?folder={support.folders.get(type=Folder.Type.DELETED).pk}"
        for action, where in (("move_to_deleted", ""), ("restore", deleted_folder)):
            response = agent_ui.post(changelist + where, {"action": action, "_selected_action": [other.pk]})
            assert response.status_code == 302
        other.refresh_from_db()
        assert other.state == "published"
        assert api.delete(url).status_code == 204

        expected = Counter(Event.values)
        expected[Event.CUSTOMER_CREATED] += 1  # CustomerFactory's customer
        expected[Event.CONVO_CREATED] += 1  # ConversationFactory's conversation
        received = receiver.wait_for(expected.total())
        wait_until(all_delivered, what="every delivery recorded as succeeded")
        time.sleep(1.5)  # a sweep or two more: nothing is sent twice
    assert Counter(request.headers["x-freescout-event"] for request in received) == expected
    assert len(receiver.received) == expected.total()
    stored = {str(event.pk): bytes(event.payload) for event in WebhookEvent.objects.all()}
    webhook.refresh_from_db()
    for request in received:
        assert request.body == stored[request.headers["webhook-id"]]
        assert request.headers["x-freescout-signature"] == freescout_signature(request.body, webhook.secret)
        StandardWebhook(webhook.secret).verify(request.body, request.headers)
    assert WebhookAttempt.objects.count() == expected.total()


def test_three_failures_then_success_make_four_attempts_of_one_event(rig):
    _, worker = rig
    worker.start()
    script = [Reply(500), Reply(500), Reply(500)]
    with Receiver(script=script) as receiver:
        webhook_create(url=receiver.url, events=[Event.CUSTOMER_CREATED])
        CustomerFactory()
        received = receiver.wait_for(4)
        wait_until(all_delivered, what="the delivery to succeed")
    assert len({request.headers["webhook-id"] for request in received}) == 1
    assert len({request.body for request in received}) == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts_count == 4
    assert list(delivery.attempts.order_by("started_at").values_list("status_code", flat=True)) == [500, 500, 500, 200]


def test_a_write_while_redis_is_down_answers_at_once_and_is_delivered_when_redis_is_back(rig):
    server, worker = rig
    admin = AdminFactory()
    api = APIClient()
    api.credentials(HTTP_X_FREESCOUT_API_KEY=api_key_create(user=admin)[1])
    with Receiver() as receiver:
        webhook_create(url=receiver.url, events=[Event.CUSTOMER_CREATED])
        server.stop()
        started = time.monotonic()
        customer = {"firstName": "Ada", "emails": [{"value": "a@example.org"}]}
        response = api.post("/api/customers", customer, format="json")
        elapsed = time.monotonic() - started
        assert response.status_code == 201
        # Within the broker timeouts (connect 2 s), whatever kombu's retries would otherwise do.
        assert elapsed < settings.HELPDESK_REDIS_TRANSPORT_OPTIONS["socket_connect_timeout"] + 1.0
        assert WebhookDelivery.objects.get().status == "pending"
        server.start()
        worker.start()
        (request,) = receiver.wait_for(1)
        wait_until(all_delivered, what="the delivery to be recorded")
    assert request.headers["x-freescout-event"] == "customer.created"


def test_a_worker_killed_mid_delivery_is_replaced_and_the_delivery_goes_out_after_the_lease(rig, tmp_path):
    _, worker = rig
    worker.start()
    with Receiver(script=[Reply(200, delay=30)]) as receiver:
        webhook_create(url=receiver.url, events=[Event.CUSTOMER_CREATED])
        CustomerFactory()
        receiver.wait_for(1)  # the worker is now waiting on the (slow) receiver
        worker.kill()
        killed_at = time.monotonic()
        worker.start()
        first, second = receiver.wait_for(2, timeout=LEASE_SECONDS + 30)
        wait_until(all_delivered, what="the delivery to be recorded")
    assert second.at - killed_at >= LEASE_SECONDS - 1.5  # not before the lease ran out
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    delivery = WebhookDelivery.objects.get()
    # The killed attempt left no record; the one that succeeded did.
    assert (delivery.attempts_count, delivery.attempts.count()) == (1, 1)


def test_a_threads_pool_worker_sends_concurrently_and_signs_each(rig):
    _, solo = rig
    worker = Worker(solo.env, solo.log, pool=("--pool", "threads", "--concurrency", "4"))
    try:
        # Each answer takes a second: one after the other, four would arrive three seconds apart or more.
        with Receiver(default=Reply(200, delay=1.0)) as receiver:
            webhook = webhook_create(url=receiver.url, events=[Event.CUSTOMER_CREATED])
            for _ in range(4):
                CustomerFactory()  # four transactions, four task messages, waiting for the worker
            worker.start()
            received = receiver.wait_for(4)
            wait_until(all_delivered, what="every delivery recorded as succeeded")
    finally:
        worker.stop()
    arrivals = sorted(request.at for request in received)
    assert arrivals[-1] - arrivals[0] < 2.0
    stored = {str(event.pk): bytes(event.payload) for event in WebhookEvent.objects.all()}
    assert sorted(request.headers["webhook-id"] for request in received) == sorted(stored)
    for request in received:
        assert request.body == stored[request.headers["webhook-id"]]
        assert request.headers["x-freescout-signature"] == freescout_signature(request.body, webhook.secret)
        StandardWebhook(webhook.secret).verify(request.body, request.headers)
    assert WebhookAttempt.objects.count() == 4


def test_a_worker_killed_mid_batch_has_every_delivery_of_the_batch_sent_with_the_events_id(rig):
    _, worker = rig
    worker.start()
    # The first request hangs; the three deliveries of the one event are one task message.
    with Receiver(script=[Reply(200, delay=30)]) as receiver:
        for _ in range(3):
            webhook_create(url=receiver.url, events=[Event.CUSTOMER_CREATED])
        CustomerFactory()
        receiver.wait_for(1)
        worker.kill()
        killed_at = time.monotonic()
        worker.start()
        received = receiver.wait_for(4, timeout=LEASE_SECONDS + 30)
        wait_until(all_delivered, what="every delivery recorded as succeeded")
        time.sleep(1.5)  # a sweep or two more: nothing is sent again
    event = WebhookEvent.objects.get()
    assert len(receiver.received) == 4
    assert {request.headers["webhook-id"] for request in received} == {str(event.pk)}
    assert {request.body for request in received} == {bytes(event.payload)}
    assert received[-1].at - killed_at >= LEASE_SECONDS - 1.5  # the hung one, again once its lease ran out
    assert sorted(WebhookDelivery.objects.values_list("attempts_count", flat=True)) == [1, 1, 1]


@pytest.mark.django_db
def test_the_embedded_default_delivers_with_sqlite_and_the_file_broker(tmp_path):
    env = worker_env(tmp_path)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--no-input"], cwd=ROOT, env=env, check=True, capture_output=True)
    with Receiver() as receiver:
        script = (
            "from customers.services import customer_create; from webhooks.services import webhook_create; "
            f"webhook_create(url={receiver.url!r}, events=['customer.created']); "
            "customer_create(first_name='Ada', emails=[('ada@example.org', 'work')])"
        )
        # The task is queued in the file broker before any worker runs: it must wait there, not be lost.
        subprocess.run([*manage, "shell", "-c", script], cwd=ROOT, env=env, check=True, capture_output=True)
        worker = Worker(env, tmp_path / "worker.log")
        worker.start()
        try:
            (request,) = receiver.wait_for(1)
        finally:
            worker.stop()
    body = orjson.loads(request.body)
    assert request.headers["x-freescout-event"] == "customer.created"
    assert body["firstName"] == "Ada"
    assert not Webhook.objects.exists()  # that happened in the embedded database, not the test's
