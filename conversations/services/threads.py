"""Adding threads: customer replies, agent replies, notes, chat messages, with their attachments."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from conversations.mail.outgoing import ReplyEmail, mail_thread_created
from conversations.models import (
    Attachment,
    Conversation,
    SourceVia,
    Status,
    Thread,
)
from conversations.services.common import _addresses, _locked, _save, _set_status, body_sanitise, text_preview
from customers.models import Customer
from helpdesk.errors import Conflict, Invalid, NotFound
from helpdesk.models import User
from webhooks.models import Event
from webhooks.services import event_emit


@dataclass(frozen=True)
class NewAttachment:
    file_name: str
    content: bytes
    mime_type: str = "application/octet-stream"
    content_id: str = ""
    # Given when the body already links to the attachment (email's inline images); else a new one.
    token: str = ""


@dataclass(frozen=True)
class NewThread:
    """A thread to add. Message and note threads need ``user``; customer threads default to the
    conversation's customer."""

    type: str
    body: str
    user: User | None = None
    customer: Customer | None = None
    state: str = Thread.State.PUBLISHED
    to: Sequence[str] = ()
    cc: Sequence[str] = ()
    bcc: Sequence[str] = ()
    created_at: datetime | None = None
    message_id: str = ""
    headers: str = ""
    attachments: Sequence[NewAttachment] = field(default_factory=tuple)
    # Files uploaded beforehand (``attachment_create``, not yet attached to any thread), by token.
    attachment_tokens: Sequence[str] = ()
    # What kind of note it is beyond its type (a forward: ``{"subtype": "forward", …}``), as FreeScout keeps it.
    action_data: dict = field(default_factory=dict)


def _thread_author(conversation: Conversation, new: NewThread) -> tuple[bool, Customer | None]:
    """Validates ``new`` and returns (written by the customer?, its customer)."""
    if new.type not in (Thread.Type.CUSTOMER, Thread.Type.MESSAGE, Thread.Type.NOTE, Thread.Type.CHAT):
        raise Invalid({"type": f"Unknown thread type {new.type!r}."})
    if new.state not in (Thread.State.DRAFT, Thread.State.PUBLISHED):
        raise Invalid({"state": f"Unknown thread state {new.state!r}."})
    from_customer = new.type == Thread.Type.CUSTOMER or (new.type == Thread.Type.CHAT and new.user is None)
    customer = new.customer or conversation.customer
    if from_customer and customer is None:
        raise Invalid({"customer": "A customer thread needs a customer."})
    # A note without a user is System's (the LiveAgent API's notes when no acting agent is named).
    if not from_customer and new.user is None and new.type != Thread.Type.NOTE:
        raise Invalid({"user": "An agent reply needs a user."})
    if new.attachment_tokens:
        _attachments_unattached(new.attachment_tokens)
    if not (new.body or "").strip() and not new.attachments and not new.attachment_tokens:
        raise Invalid({"body": "A thread needs text."})
    for argument in ("to", "cc", "bcc"):
        _addresses(getattr(new, argument), argument)
    return from_customer, customer


def _thread_insert(
    conversation: Conversation,
    new: NewThread,
    *,
    status: str,
    imported: bool,
    at: datetime,
    draft: Thread | None = None,
    earlier_message: bool | None = None,
) -> Thread:
    """Writes a thread and updates the conversation's derived columns (the caller saves it). With
    ``draft``, that draft thread becomes the new one (same row), rather than a second thread beside it.
    ``earlier_message``: whether the conversation has a thread other than a note or line item already, when
    the caller knows (a create does); None to look."""
    from_customer, customer = _thread_author(conversation, new)
    is_message = new.type != Thread.Type.NOTE
    if is_message and earlier_message is None:
        earlier = conversation.threads.exclude(type__in=[Thread.Type.NOTE, Thread.Type.LINEITEM])
        if draft is not None:
            earlier = earlier.exclude(pk=draft.pk)
        earlier_message = earlier.exists()
    columns: dict[str, Any] = {
        "type": new.type,
        "status": status,
        "state": new.state,
        "body": body_sanitise(new.body),
        "source_type": conversation.source_type,
        "source_via": Conversation.LastReplyFrom.CUSTOMER if from_customer else Conversation.LastReplyFrom.USER,
        "customer": customer,
        "created_by_user": None if from_customer else new.user,
        "created_by_customer": customer if from_customer else None,
        "assigned_to": conversation.assignee,
        "to": _addresses(new.to, "to"),
        "cc": _addresses(new.cc, "cc"),
        "bcc": _addresses(new.bcc, "bcc"),
        "message_id": new.message_id.strip().strip("<>"),
        "headers": new.headers,
        "action_data": dict(new.action_data),
        "first": is_message and not earlier_message,
        "imported": imported,
        "created_at": at,
        "updated_at": at,
    }
    if draft is None:
        thread = Thread.objects.create(conversation=conversation, **columns)
    else:
        thread = draft
        for name, value in columns.items():
            setattr(thread, name, value)
        thread.save()
    for attachment in new.attachments:
        _attachment_add(thread=thread, attachment=attachment)
    if new.attachment_tokens:
        adopted = [a.pk for a in _attachments_unattached(new.attachment_tokens)]
        Attachment.objects.filter(pk__in=adopted).update(thread=thread)
    agent_reply = not from_customer and new.type in (Thread.Type.MESSAGE, Thread.Type.CHAT)
    first_answer = conversation.acknowledged_at is None or at < conversation.acknowledged_at
    if new.state == Thread.State.PUBLISHED and agent_reply and first_answer:
        # An agent took the conversation up (LiveAgent's Open rather than New); imports may come in any order.
        conversation.acknowledged_at = at
    if new.state == Thread.State.PUBLISHED and is_message:
        conversation.threads_count += 1
        conversation.preview = text_preview(thread.body)
        if conversation.last_reply_at is None or at >= conversation.last_reply_at:
            conversation.last_reply_at = at
            conversation.last_reply_from = thread.source_via
    return thread


def attachment_file_name(file_name: str) -> str:
    """The name an attachment is stored and served under (its download URL ends with it)."""
    return ((file_name or "").replace("/", "_").replace("\\", "_").strip() or "attachment")[:255]


def _stored_name(file_name: str) -> str:
    """The name of the stored file (its path ends with it): the attachment's, cut to 100 characters, unless
    the storage would refuse it ("..", or nothing left once cleaned, as "?!")."""
    storage = Attachment._meta.get_field("file").storage
    try:
        return storage.get_valid_name(file_name[:100])
    except SuspiciousFileOperation:
        return "attachment"


def _attachment_add(*, thread: Thread | None, attachment: NewAttachment) -> Attachment:
    """Writes the file, then its row. Everything that could refuse the row (lengths, the stored name) is
    settled before the file is written; a later failure of the transaction deletes the file
    (``helpdesk.storage.transactions``)."""
    name = attachment_file_name(attachment.file_name)
    mime_type = attachment.mime_type.strip()
    if not 0 < len(mime_type) <= (Attachment._meta.get_field("mime_type").max_length or 0):
        mime_type = "application/octet-stream"
    row = Attachment(
        **({"token": attachment.token} if attachment.token else {}),
        thread=thread,
        file_name=name,
        mime_type=mime_type,
        size=len(attachment.content),
        content_id=attachment.content_id[:255],
        inline=bool(attachment.content_id),
    )
    row.file.save(_stored_name(name), ContentFile(attachment.content), save=False)
    row.save()
    return row


def _reply_event(thread: Thread) -> Event:
    if thread.type == Thread.Type.NOTE:
        return Event.CONVO_NOTE_CREATED
    if thread.source_via == SourceVia.CUSTOMER:
        return Event.CONVO_CUSTOMER_REPLY_CREATED
    return Event.CONVO_AGENT_REPLY_CREATED


@transaction.atomic
def thread_create(
    *,
    conversation: Conversation,
    thread: NewThread,
    status: str | None = None,
    imported: bool = False,
    email: ReplyEmail | None = None,
    draft: Thread | None = None,
) -> Thread:
    """Adds a reply or note. Without ``status``, a customer reply makes the conversation active (and
    takes it out of Deleted), an agent reply makes it pending, and a note leaves it as it is. ``email``:
    how an agent reply is emailed, when not as usual. ``draft``: the draft thread this one is the sent
    form of (``thread_draft_save``): it becomes the thread, so sending leaves one thread, not two; gone
    meanwhile (discarded, or sent from another tab), the thread is added as if there were none."""
    conversation = _locked(conversation)
    if draft is not None:
        draft = (
            Thread.objects.select_for_update()
            .filter(pk=draft.pk, conversation=conversation, state=Thread.State.DRAFT)
            .first()
        )
    at = thread.created_at if (imported and thread.created_at) else timezone.now()
    by_user = thread.user if thread.type != Thread.Type.CUSTOMER else None
    published = thread.state == Thread.State.PUBLISHED
    if published and thread.type == Thread.Type.CUSTOMER and conversation.state == Conversation.State.DELETED:
        conversation.state = Conversation.State.PUBLISHED
    status_given = status is not None
    if status is None and published:
        implied: dict[str, str] = {Thread.Type.CUSTOMER: Status.ACTIVE, Thread.Type.MESSAGE: Status.PENDING}
        status = implied.get(thread.type)
    status_changed = status is not None and status != conversation.status
    if status is not None and status_changed:
        _set_status(conversation, status=status, by_user=by_user, at=at)
    new = _thread_insert(
        conversation, thread, status=status or Thread.Status.NOCHANGE, imported=imported, at=at, draft=draft
    )
    _save(conversation, by_user=by_user, at=at, locked=True)
    if published:
        event_emit(event=_reply_event(new), conversation=conversation)
        # A status a reply implies is part of the reply; only one the client asked for is its own event.
        if status_given and status_changed:
            event_emit(event=Event.CONVO_STATUS, conversation=conversation)
    mail_thread_created(conversation=conversation, thread=new, imported=imported, email=email)
    return new


def _attachments_unattached(tokens: Sequence[str]) -> list[Attachment]:
    """The attachments of these tokens, locked until the transaction ends; ``NotFound`` for a token of none
    (or of a file purged meanwhile), ``Conflict`` at ``attachment_tokens[i]`` for one already on a thread."""
    wanted = list(dict.fromkeys(token.strip().lower() for token in tokens))
    found = {a.token: a for a in Attachment.objects.select_for_update().filter(token__in=wanted).order_by("pk")}
    for index, token in enumerate(wanted):
        attachment = found.get(token)
        if attachment is None:
            raise NotFound(f"No file {token}.")
        if attachment.thread_id is not None:
            raise Conflict({f"attachment_tokens[{index}]": f"File {token} is attached to a message already."})
    return [found[token] for token in wanted]


@transaction.atomic
def note_create(*, conversation: Conversation, body: str, by_user: User | None) -> Thread:
    """A published note (``body`` is HTML) by ``by_user``, or by System with None: a note no agent wrote,
    such as LiveAgent's transfer note when no acting agent is named (no ``created_by_user``, as line items)."""
    if by_user is not None:
        return thread_create(
            conversation=conversation, thread=NewThread(type=Thread.Type.NOTE, body=body, user=by_user)
        )
    if not (body or "").strip():
        raise Invalid({"body": "A thread needs text."})
    conversation = _locked(conversation)
    at = timezone.now()
    note = Thread.objects.create(
        conversation=conversation,
        type=Thread.Type.NOTE,
        body=body_sanitise(body),
        source_type=conversation.source_type,
        source_via=SourceVia.USER,
        assigned_to=conversation.assignee,
        created_at=at,
        updated_at=at,
    )
    _save(conversation, at=at)
    event_emit(event=Event.CONVO_NOTE_CREATED, conversation=conversation)
    return note
