"""Rejected writes leave no file behind (issue 20, item 2): everything is checked before a file is written,
and a file written inside a transaction that then rolls back is deleted (``helpdesk.storage.transactions``),
whether the transaction is the service's, the request's (``ATOMIC_REQUESTS``) or a savepoint in either.

Each test takes a fingerprint of the media root (every directory, and every file with its bytes' hash)
before the refused request and compares it after. The late failures are injected (a service's last step made
to raise) because every real check now runs before the first file is written; the tests also check that the
file had been written, so that the rollback, not an early refusal, is what they prove."""

import base64
import hashlib
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client

from conversations.mail.ingest import mail_ingest
from conversations.models import Attachment, Conversation, ReceivedEmail, Thread
from conversations.services import NewAttachment, NewThread, attachment_create, thread_create
from conversations.services import intake as intake_module
from conversations.services import lifecycle as lifecycle_module
from conversations.services import threads as threads_module
from customers.models import Customer
from helpdesk.errors import Conflict
from helpdesk.services import api_key_create
from helpdesk.storage.backends import LocalStorage
from tests.api_helpers import error_paths
from tests.factories import ConversationFactory, CustomFieldFactory

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).parents[1] / "email_corpus"
PAYLOAD = bytes(range(256)) * 8192  # 2 MiB


def fingerprint(root: Path) -> list[tuple[str, str]]:
    """Every directory and file under ``root``, files with the SHA-256 of their bytes."""
    entries = []
    for path in sorted(root.rglob("*")):
        relative = str(path.relative_to(root))
        entries.append((relative, hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"))
    return entries


@pytest.fixture
def written(monkeypatch) -> list[str]:
    """The names of the files the local storage writes from now on (the spy calls the real write)."""
    names: list[str] = []
    save = LocalStorage._save

    def spy(self, name, content):
        saved = save(self, name, content)
        names.append(saved)
        return saved

    monkeypatch.setattr(LocalStorage, "_save", spy)
    return names


@pytest.fixture
def existing(mailbox, admin, media_root) -> Attachment:
    """A file already there, which a refused request must leave as it is."""
    conversation = ConversationFactory(mailbox=mailbox)
    thread = thread_create(
        conversation=conversation,
        thread=NewThread(
            type=Thread.Type.NOTE,
            body="kept",
            user=admin,
            attachments=[NewAttachment(file_name="kept.bin", content=b"kept", mime_type="application/octet-stream")],
        ),
    )
    return thread.attachments.get()


def conversation_body(mailbox, **extra) -> dict:
    return {
        "type": "email",
        "mailboxId": mailbox.pk,
        "subject": "Invoice",
        "customer": {"email": "late@example.org"},
        "threads": [
            {
                "type": "customer",
                "text": "Attached.",
                "attachments": [
                    {
                        "fileName": "invoice.pdf",
                        "mimeType": "application/pdf",
                        "data": base64.b64encode(PAYLOAD).decode(),
                    }
                ],
            }
        ],
        **extra,
    }


def fail_late(monkeypatch, module, name: str) -> None:
    """Makes ``module.name`` (a step after the files are written) refuse, as a late check would."""

    def refuse(*args, **kwargs):
        raise Conflict({"conversation": "Refused after the files were written."})

    monkeypatch.setattr(module, name, refuse)


def test_an_invalid_custom_field_refuses_the_create_before_any_file_is_written(
    admin_api, mailbox, media_root, existing, written
):
    field = CustomFieldFactory(mailbox=mailbox, type="number")
    before = fingerprint(media_root)
    response = admin_api.post(
        "/api/conversations",
        conversation_body(mailbox, customFields=[{"id": field.pk, "value": "many"}]),
        format="json",
    )
    assert response.status_code == 400 and "customFields[0].value" in error_paths(response)
    assert written == []
    assert fingerprint(media_root) == before
    assert not Customer.objects.filter(emails__email="late@example.org").exists()


@pytest.mark.parametrize("name", ["..", "?!*", "a" * 240 + ".txt"])
def test_a_file_name_the_storage_would_refuse_is_stored_under_a_usable_one(admin_api, mailbox, media_root, name):
    body = conversation_body(mailbox)
    body["threads"][0]["attachments"][0]["fileName"] = name
    response = admin_api.post("/api/conversations", body, format="json")
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get()
    assert attachment.file.read() == PAYLOAD
    assert (media_root / attachment.file.name).is_file()


def test_a_late_failure_of_a_create_deletes_the_files_it_wrote(
    admin_api, mailbox, media_root, existing, written, monkeypatch
):
    before, conversations = fingerprint(media_root), Conversation.objects.count()
    fail_late(monkeypatch, lifecycle_module, "event_emit")
    response = admin_api.post("/api/conversations", conversation_body(mailbox), format="json")
    assert response.status_code in (400, 409), response.content
    assert len(written) == 1  # written, then deleted by the rollback
    assert fingerprint(media_root) == before
    assert Conversation.objects.count() == conversations


@pytest.mark.django_db(transaction=True)
def test_a_late_failure_of_a_create_in_its_own_transaction_deletes_the_files_it_wrote(
    admin_api, mailbox, media_root, existing, written, monkeypatch
):
    """Without the test's enclosing transaction: the service's block is the outermost, so a real ROLLBACK
    (not a rollback to a savepoint) undoes it."""
    before = fingerprint(media_root)
    fail_late(monkeypatch, lifecycle_module, "event_emit")
    response = admin_api.post("/api/conversations", conversation_body(mailbox), format="json")
    assert response.status_code in (400, 409), response.content
    assert len(written) == 1
    assert fingerprint(media_root) == before
    assert not Attachment.objects.exclude(pk=existing.pk).exists()


def test_a_late_failure_of_a_new_thread_deletes_its_files(
    admin_api, mailbox, media_root, existing, written, monkeypatch
):
    conversation = existing.thread.conversation
    before = fingerprint(media_root)
    fail_late(monkeypatch, threads_module, "mail_thread_created")
    body = conversation_body(mailbox)["threads"][0]
    response = admin_api.post(f"/api/conversations/{conversation.pk}/threads", body, format="json")
    assert response.status_code in (400, 409), response.content
    assert len(written) == 1
    assert fingerprint(media_root) == before


def test_a_late_failure_of_a_liveagent_upload_deletes_the_file(admin, media_root, existing, written, monkeypatch):
    def create_then_refuse(*, attachment):
        attachment_create(attachment=attachment)
        raise Conflict({"content": "Refused after the file was written."})

    monkeypatch.setattr(intake_module, "attachment_create", create_then_refuse)
    before = fingerprint(media_root)
    response = Client().post(
        "/liveagent/api/files",
        {"apikey": api_key_create(user=admin)[1], "name": "a.bin", "type": "application/pdf", "data": "YWJj"},
    )
    assert response.status_code == 400, response.content
    assert len(written) == 1
    assert fingerprint(media_root) == before


@pytest.mark.django_db(transaction=True)
def test_an_error_after_the_service_returned_rolls_the_request_back_with_its_files(
    admin, mailbox, media_root, existing, written, monkeypatch
):
    """The admin composer runs in the request's transaction (``ATOMIC_REQUESTS``): its reply was written and
    its service's block closed when the page failed; the request's rollback takes the file too."""
    from conversations.admin import page

    conversation = existing.thread.conversation
    threads = Thread.objects.count()
    before = fingerprint(media_root)

    def fail(**kwargs):
        raise RuntimeError("the page failed after the reply was saved")

    client = Client(raise_request_exception=False)
    client.force_login(admin)
    url = f"/admin/conversations/conversation/{conversation.pk}/change/"
    assert client.get(url).status_code == 200
    monkeypatch.setattr(page, "conversations_visible_to", fail)
    upload = _uploaded("notes.txt", b"agent's file")
    response = client.post(
        url,
        {"op": "reply", "type": "note", "text": "see the file", "status": "", "attachments": [upload]},
    )
    assert response.status_code == 500
    assert len(written) == 1
    assert fingerprint(media_root) == before
    assert Thread.objects.count() == threads


def _uploaded(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/plain")


def test_a_late_failure_of_an_email_takes_its_attachments_and_inline_images_away(
    mailbox, media_root, existing, written, monkeypatch
):
    before, received = fingerprint(media_root), ReceivedEmail.objects.count()
    fail_late(monkeypatch, lifecycle_module, "event_emit")
    for name in ("03_attachment.eml", "04_inline_image.eml"):
        with pytest.raises(Conflict):
            mail_ingest(mailbox=mailbox, raw=(CORPUS / name).read_bytes())
    assert len(written) >= 2
    assert fingerprint(media_root) == before
    assert ReceivedEmail.objects.count() == received


@pytest.mark.django_db(transaction=True)
def test_a_savepoint_rolled_back_takes_its_files_and_the_commit_keeps_the_others(media_root):
    def upload(name: str) -> Attachment:
        return attachment_create(attachment=NewAttachment(file_name=name, content=name.encode()))

    with transaction.atomic():
        kept = upload("kept.txt")
        try:
            with transaction.atomic():
                upload("undone.txt")
                raise RuntimeError("refused")
        except RuntimeError:
            pass
        assert [p.name for p in media_root.rglob("*.txt")] == ["kept.txt"]
    assert [p.name for p in media_root.rglob("*.txt")] == ["kept.txt"]
    assert kept.file.read() == b"kept.txt"


@pytest.mark.django_db(transaction=True)
def test_a_file_written_outside_a_transaction_is_kept_and_a_closed_transaction_loses_its_files(media_root):
    from django.db import connection

    outside = Attachment._meta.get_field("file").storage.save("attachments/outside.txt", _uploaded("o", b"o"))
    with pytest.raises(RuntimeError), transaction.atomic():
        Attachment._meta.get_field("file").storage.save("attachments/inside.txt", _uploaded("i", b"i"))
        connection.close()  # as a lost connection would: the database rolls the transaction back
        raise RuntimeError("connection lost")
    assert sorted(p.name for p in media_root.rglob("*.txt")) == [Path(outside).name]


@pytest.mark.django_db(transaction=True)
def test_a_refused_rollback_call_keeps_the_files_with_the_transaction(media_root):
    """``connection.rollback()`` inside an atomic block is refused by Django and rolls nothing back: the file
    stays, and the commit keeps it."""
    from django.db import connection
    from django.db.transaction import TransactionManagementError

    with transaction.atomic():
        attachment = attachment_create(attachment=NewAttachment(file_name="stays.txt", content=b"stays"))
        with pytest.raises(TransactionManagementError):
            connection.rollback()
    assert attachment.file.read() == b"stays"
