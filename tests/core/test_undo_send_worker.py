"""Undo send with a real Celery worker and beat (issue 19, item 2): a reply waiting its window is published
once when due, emailed once through a real SMTP server and announced by one webhook, whether the task queued
with it publishes it or, after the worker was killed inside the window, beat's sweep does. On PostgreSQL with
a private Redis (the webhook worker tests' rig), and on the embedded default: SQLite and the file broker,
in a data directory of its own."""

import subprocess
import sys
import time

import pytest
from django.utils import timezone

from conversations.models import DelayedReply, Thread
from conversations.services import NewThread
from conversations.services.delayed_replies import reply_send
from tests.core.test_webhook_worker import ROOT, Worker, wait_until, worker_env
from tests.core.test_webhook_worker import rig as webhook_rig
from tests.factories import ConversationFactory, CustomerFactory, MailboxFactory, UserFactory
from tests.http_receiver import Receiver
from tests.mail_servers import SmtpServer
from webhooks.models import Event
from webhooks.services import webhook_create

rig = webhook_rig  # the fixture: a private Redis and a worker on the test database (PostgreSQL only)


pytestmark = pytest.mark.slow

WINDOW = 3.0


def conversation_with_smtp(smtp: SmtpServer):
    mailbox = MailboxFactory(email="support@example.com", **smtp.mailbox_settings)
    customer = CustomerFactory(first_name="Carla", emails=[("carla@example.org", "work")])
    conversation = ConversationFactory(
        mailbox=mailbox, customer=customer, threads=[NewThread(type=Thread.Type.CUSTOMER, body="<p>Smoke</p>")]
    )
    return conversation, UserFactory()


def send(conversation, agent) -> DelayedReply:
    sent = reply_send(
        conversation=conversation,
        thread=NewThread(type=Thread.Type.MESSAGE, body="<p>Unplug it</p>", user=agent),
        status="closed",
        draft=None,
        undo_seconds=WINDOW,
    )
    assert isinstance(sent, DelayedReply)
    return sent


def published(conversation) -> list[Thread]:
    return list(conversation.threads.filter(type=Thread.Type.MESSAGE))


def test_the_task_publishes_when_due_once_emailed_once_one_webhook(rig):
    _, worker = rig
    worker.start()
    with SmtpServer() as smtp, Receiver() as receiver:
        conversation, agent = conversation_with_smtp(smtp)
        webhook_create(url=receiver.url, events=[Event.CONVO_AGENT_REPLY_CREATED])
        reply = send(conversation, agent)
        time.sleep(WINDOW - 1)
        assert published(conversation) == [] and smtp.messages == [] and receiver.received == []

        wait_until(lambda: len(smtp.messages) == 1, timeout=30, what="the reply's email")
        receiver.wait_for(1)
        time.sleep(2.5)  # sweeps every second meanwhile: nothing twice
        [thread] = published(conversation)
        assert len(smtp.messages) == 1 and len(receiver.received) == 1
    # The task queued with the reply's countdown published it (beat's sweep is only the fallback).
    assert "Task conversations.delayed_reply_publish[" in worker.log.read_text()
    reply.refresh_from_db()
    assert (reply.status, reply.thread_id) == ("succeeded", thread.pk)
    assert thread.created_at >= reply.next_attempt_at
    assert smtp.messages[0].recipients == ["carla@example.org"]
    conversation.refresh_from_db()
    assert conversation.status == "closed"


def test_a_worker_killed_inside_the_window_leaves_it_to_the_sweep_once(rig):
    _, worker = rig
    worker.start()
    with SmtpServer() as smtp, Receiver() as receiver:
        conversation, agent = conversation_with_smtp(smtp)
        webhook_create(url=receiver.url, events=[Event.CONVO_AGENT_REPLY_CREATED])
        reply = send(conversation, agent)
        wait_until(lambda: "delayed_reply_publish[" in worker.log.read_text(), what="the worker to hold the task")
        worker.kill()
        assert published(conversation) == []
        worker.start()
        wait_until(lambda: len(smtp.messages) == 1, timeout=30, what="the sweep to publish the reply")
        receiver.wait_for(1)
        time.sleep(2.5)
        assert len(published(conversation)) == 1 and len(smtp.messages) == 1 and len(receiver.received) == 1
    reply.refresh_from_db()
    assert reply.status == "succeeded" and reply.attempts_count == 1
    assert reply.finished_at is not None and reply.finished_at >= reply.next_attempt_at


EMBEDDED_SETUP = """
from conversations.models import DelayedReply, Thread
from conversations.services import NewThread
from conversations.services.delayed_replies import reply_send
from helpdesk.celery import app as celery_app
from tests.factories import ConversationFactory, CustomerFactory, MailboxFactory, UserFactory
from webhooks.services import webhook_create

mailbox = MailboxFactory(email="support@example.com", out_method="smtp", out_server="127.0.0.1", out_port={port},
                         out_encryption="none")
conversation = ConversationFactory(
    mailbox=mailbox, customer=CustomerFactory(emails=[("carla@example.org", "work")]),
    threads=[NewThread(type=Thread.Type.CUSTOMER, body="<p>Smoke</p>")],
)
webhook_create(url={url!r}, events=["convo.agent.reply.created"])
reply_send(conversation=conversation, thread=NewThread(type="message", body="<p>Unplug it</p>", user=UserFactory()),
           status=None, draft=None, undo_seconds={window})
"""
EMBEDDED_CHECK = (
    "from conversations.models import DelayedReply, Thread; "
    "print(Thread.objects.filter(type='message').count(), list(DelayedReply.objects.values_list('status', flat=True)))"
)


@pytest.mark.django_db
def test_the_embedded_default_publishes_once_after_a_worker_restart_inside_the_window(tmp_path):
    env = worker_env(tmp_path, HELPDESK_MEDIA_ROOT=str(tmp_path / "media"))
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--no-input"], cwd=ROOT, env=env, check=True, capture_output=True)
    with SmtpServer() as smtp, Receiver() as receiver:
        script = EMBEDDED_SETUP.format(port=smtp.port, url=receiver.url, window=6)
        subprocess.run([*manage, "shell", "-c", script], cwd=ROOT, env=env, check=True, capture_output=True)
        queued_at = timezone.now()
        worker = Worker(env, tmp_path / "worker.log")
        worker.start()
        try:
            time.sleep(1)  # the file broker's message is the worker's now, waiting for its countdown
            worker.kill()
            assert smtp.messages == []
            worker.start()
            wait_until(lambda: len(smtp.messages) == 1, timeout=40, what="the reply's email")
            receiver.wait_for(1)
            time.sleep(2.5)
        finally:
            worker.stop()
        assert len(smtp.messages) == 1 and len(receiver.received) == 1
    assert (timezone.now() - queued_at).total_seconds() >= 6
    checked = subprocess.run(
        [*manage, "shell", "-c", EMBEDDED_CHECK], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    assert checked.stdout.strip().splitlines()[-1] == "1 ['succeeded']"
