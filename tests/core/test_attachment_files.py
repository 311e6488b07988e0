"""Files on their own (the LiveAgent API's files): uploaded with no thread, attached to a new thread by token,
counted when downloaded, and purged by beat when nothing took them within the retention."""

import base64
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from conversations.models import Attachment, OutgoingEmail, Thread
from conversations.selectors import attachment_by_token, conversations_visible_to
from conversations.services import (
    AttachmentSource,
    NewAttachment,
    NewThread,
    attachment_base64_decode,
    attachment_create,
    attachment_download_count,
    attachment_intake,
    attachments_unattached_purge,
    conversation_create,
    thread_create,
)
from conversations.services import intake as intake_module
from conversations.tasks import attachments_purge
from helpdesk.errors import Conflict, Invalid, NotFound
from helpdesk.outbound import FetchError
from mailboxes.services import mailbox_user_grant
from tests.factories import ConversationFactory, CustomerFactory, MailboxFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def downloads(monkeypatch):
    """``url_fetch`` answering from ``{url: (content, media type)}``; any other URL fails as a 404 would."""
    served: dict[str, tuple[bytes, str | None]] = {}

    def url_fetch(url: str, *, max_bytes: int) -> tuple[bytes, str | None, str | None]:
        if url not in served:
            raise FetchError("HTTP 404 Not Found")
        content, media_type = served[url]
        return content, media_type, None

    monkeypatch.setattr(intake_module, "url_fetch", url_fetch)
    return served


@pytest.fixture
def conversation(mailbox, agent):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    return ConversationFactory(mailbox=mailbox)


def files_in(media_root) -> list:
    return sorted(path for path in media_root.rglob("*") if path.is_file())


def upload(name: str = "report.txt", content: bytes = b"numbers") -> Attachment:
    return attachment_create(attachment=NewAttachment(file_name=name, content=content, mime_type="text/plain"))


def test_a_file_from_base64_is_stored_on_no_thread(media_root):
    content = attachment_base64_decode(data=base64.b64encode(b"hello file").decode())
    attachment = attachment_intake(source=AttachmentSource(file_name="a/b.txt", content=content))
    attachment.refresh_from_db()
    assert attachment.thread is None
    assert re.fullmatch(r"[0-9a-f]{32}", attachment.token)
    assert (attachment.file_name, attachment.mime_type, attachment.size, attachment.downloads) == (
        "a_b.txt",
        "text/plain",
        10,
        0,
    )
    assert attachment.created_at is not None
    assert attachment.file.read() == b"hello file"
    assert files_in(media_root) == [media_root / attachment.file.name]


def test_a_file_from_a_url_is_downloaded_and_named_after_it(media_root, downloads):
    downloads["https://files.example.org/docs/invoice.pdf?v=2"] = (b"%PDF-1.4", "application/pdf")
    attachment = attachment_intake(
        source=AttachmentSource(file_name="", url="https://files.example.org/docs/invoice.pdf?v=2")
    )
    assert (attachment.file_name, attachment.mime_type, attachment.size) == ("invoice.pdf", "application/pdf", 8)
    named = attachment_intake(
        source=AttachmentSource(file_name="mine.pdf", url="https://files.example.org/docs/invoice.pdf?v=2")
    )
    assert named.file_name == "mine.pdf"


def test_a_failed_download_is_invalid_at_url_and_stores_nothing(media_root, downloads):
    with pytest.raises(Invalid) as error:
        attachment_intake(source=AttachmentSource(file_name="x", url="https://files.example.org/missing"))
    assert list(error.value.message_dict) == ["url"]
    assert not Attachment.objects.exists()
    assert files_in(media_root) == []


def test_a_private_address_is_refused_by_the_outbound_guard(media_root):
    with pytest.raises(Invalid) as error:
        attachment_intake(source=AttachmentSource(file_name="", url="http://127.0.0.1/private.txt"))
    assert "not a public address" in error.value.message_dict["url"][0]
    assert not Attachment.objects.exists()


def test_uploaded_files_join_a_new_agent_reply_and_its_email(conversation, agent, media_root):
    first, second = upload("report.txt", b"numbers"), upload("photo.png", b"\x89PNG")
    reply = thread_create(
        conversation=conversation,
        thread=NewThread(
            type=Thread.Type.MESSAGE,
            body="See attached",
            user=agent,
            attachment_tokens=[f" {second.token.upper()} ", first.token],
        ),
    )
    assert set(reply.attachments.values_list("pk", flat=True)) == {first.pk, second.pk}
    email = OutgoingEmail.objects.get(thread=reply)
    message = bytes(email.message)
    assert b"report.txt" in message and b"photo.png" in message


def test_files_alone_make_a_thread(conversation, agent, media_root):
    file = upload()
    note = thread_create(
        conversation=conversation,
        thread=NewThread(type=Thread.Type.NOTE, body="", user=agent, attachment_tokens=[file.token]),
    )
    assert list(note.attachments.all()) == [file]


def test_a_conversation_can_start_with_uploaded_files(mailbox, agent, media_root):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    file = upload()
    conversation = conversation_create(
        mailbox=mailbox,
        subject="Files",
        customer=CustomerFactory(),
        threads=[NewThread(type=Thread.Type.MESSAGE, body="Here", user=agent, attachment_tokens=[file.token])],
    )
    file.refresh_from_db()
    assert file.thread is not None and file.thread.conversation_id == conversation.pk


def test_unknown_or_taken_files_refuse_the_whole_thread(conversation, agent, media_root):
    file = upload()
    threads = conversation.threads.count()
    with pytest.raises(NotFound):
        thread_create(
            conversation=conversation,
            thread=NewThread(type=Thread.Type.MESSAGE, body="x", user=agent, attachment_tokens=[file.token, "0" * 32]),
        )
    file.refresh_from_db()
    assert file.thread is None and conversation.threads.count() == threads

    thread_create(
        conversation=conversation,
        thread=NewThread(type=Thread.Type.NOTE, body="x", user=agent, attachment_tokens=[file.token]),
    )
    with pytest.raises(Conflict) as error:
        thread_create(
            conversation=conversation,
            thread=NewThread(type=Thread.Type.NOTE, body="y", user=agent, attachment_tokens=[file.token]),
        )
    assert list(error.value.message_dict) == ["attachment_tokens[0]"]
    assert conversation.threads.count() == threads + 1


def test_downloads_are_counted(media_root):
    file = upload()
    attachment_download_count(attachment=file)
    attachment_download_count(attachment=file)
    file.refresh_from_db()
    assert file.downloads == 2


def test_attachment_by_token_scopes_attached_files_to_visible_conversations(conversation, agent, media_root):
    loose = upload()
    theirs = ConversationFactory(mailbox=MailboxFactory())
    hidden = thread_create(
        conversation=theirs,
        thread=NewThread(type=Thread.Type.CUSTOMER, body="x", attachments=[NewAttachment("a.txt", b"a")]),
    ).attachments.get()
    shown = thread_create(
        conversation=conversation,
        thread=NewThread(type=Thread.Type.CUSTOMER, body="x", attachments=[NewAttachment("b.txt", b"b")]),
    ).attachments.get()
    visible = conversations_visible_to(user=agent)
    assert attachment_by_token(token=loose.token, conversations=visible) == loose
    assert attachment_by_token(token=shown.token.upper(), conversations=visible) == shown
    assert attachment_by_token(token=hidden.token, conversations=visible) is None
    assert attachment_by_token(token="f" * 32, conversations=visible) is None


def test_the_purge_deletes_old_unattached_files_with_their_content(
    conversation, agent, media_root, settings, django_capture_on_commit_callbacks
):
    old, fresh, used = upload("old.txt"), upload("fresh.txt"), upload("used.txt")
    thread_create(
        conversation=conversation,
        thread=NewThread(type=Thread.Type.NOTE, body="x", user=agent, attachment_tokens=[used.token]),
    )
    long_ago = timezone.now() - timedelta(days=settings.HELPDESK_UNATTACHED_FILE_DAYS, minutes=1)
    Attachment.objects.filter(pk__in=[old.pk, used.pk]).update(created_at=long_ago)
    Attachment.objects.filter(pk=fresh.pk).update(created_at=long_ago + timedelta(minutes=2))

    with django_capture_on_commit_callbacks(execute=True):
        assert attachments_purge() == 1
    assert set(Attachment.objects.values_list("pk", flat=True)) == {fresh.pk, used.pk}
    assert files_in(media_root) == sorted(media_root / a.file.name for a in (fresh, used))
    # Idempotent: a second run finds nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert attachments_purge() == 0
    assert Attachment.objects.count() == 2


def test_the_purge_works_in_batches(media_root, monkeypatch, django_capture_on_commit_callbacks):
    from conversations.services import attachments as attachments_module

    monkeypatch.setattr(attachments_module, "PURGE_BATCH", 2)
    for n in range(5):
        upload(f"{n}.txt")
    with django_capture_on_commit_callbacks(execute=True):
        assert attachments_unattached_purge(older_than=timedelta(0)) == 5
    assert not Attachment.objects.exists() and files_in(media_root) == []


def test_the_purge_runs_on_beat(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["attachments-purge"]
    assert schedule["task"] == attachments_purge.name == "conversations.attachments_purge"
    assert settings.HELPDESK_UNATTACHED_FILE_DAYS == 14
