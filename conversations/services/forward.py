"""Forwarding a conversation, or one of its messages, to any address.

FreeScout records a forward as a note of subtype "forward" (its ``forwardparent``/``forwardchild`` thread
types are commented out, "used in API only"); so does this project: a published note by the agent, its
``to`` and ``cc`` the forward's recipients, ``action_data`` ``{"subtype": "forward", "thread_id": …}``, its
body the agent's note above the quoted message, and copies of the chosen attachments on it. Both APIs
list it as the note it is, with its ``to`` and ``cc``; ``convo.note.created`` fires as for any note. The
email leaves through the same outbox as replies (``conversations.mail.outgoing.mail_forward``)."""

import html
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from conversations.mail.outgoing import mail_forward
from conversations.models import Attachment, Conversation, Thread
from conversations.services.common import _addresses, _check_access, _locked
from conversations.services.threads import NewAttachment, NewThread, thread_create
from helpdesk.errors import Invalid
from helpdesk.models import User

FORWARD_SUBTYPE = "forward"


def forward_quote(*, conversation: Conversation, thread: Thread | None) -> str:
    """The forwarded message(s) as quoted HTML: ``thread`` alone, else every published message of the
    conversation, oldest first, each under a "From / Date / Subject" header as mail clients write it."""
    if thread is not None:
        threads: Sequence[Thread] = [thread]
    else:
        threads = list(
            conversation.threads.filter(type__in=Thread.MESSAGE_TYPES, state=Thread.State.PUBLISHED)
            .select_related("created_by_user", "created_by_customer")
            .order_by("created_at", "id")
        )
    parts = []
    for message in threads:
        person = message.created_by_user or message.created_by_customer
        name = person.get_full_name() if person is not None else ""
        address = getattr(person, "email", "") or (
            conversation.customer_email if message.type == Thread.Type.CUSTOMER else conversation.mailbox.email
        )
        sender = html.escape(address)
        if name:
            sender = f"{html.escape(name)} &lt;{sender}&gt;"
        when = timezone.localtime(message.created_at).strftime("%a, %d %b %Y %H:%M")
        parts.append(
            "<p>---------- Forwarded message ----------<br>"
            f"From: {sender}<br>Date: {when}<br>Subject: {html.escape(conversation.subject)}</p>"
            f"<blockquote>{message.body}</blockquote>"
        )
    return "".join(parts)


def _forwarded_thread(conversation: Conversation, thread_id: int | None) -> Thread | None:
    if thread_id is None:
        return None
    thread = (
        conversation.threads.filter(pk=thread_id, type__in=Thread.MESSAGE_TYPES, state=Thread.State.PUBLISHED)
        .select_related("created_by_user", "created_by_customer")
        .first()
    )
    if thread is None:
        raise Invalid({"thread": "Only a published message of this conversation can be forwarded."})
    return thread


def _attachments_chosen(conversation: Conversation, ids: Sequence[int]) -> list[Attachment]:
    wanted = list(dict.fromkeys(ids))
    found = {
        a.pk: a
        for a in Attachment.objects.filter(
            pk__in=wanted, thread__conversation=conversation, thread__state=Thread.State.PUBLISHED
        )
    }
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise Invalid({"attachments": f"No attachment {missing[0]} in this conversation."})
    return [found[pk] for pk in wanted]


@transaction.atomic
def conversation_forward(
    *,
    conversation: Conversation,
    by_user: User,
    to: Sequence[str],
    cc: Sequence[str] = (),
    note: str = "",
    thread_id: int | None = None,
    attachment_ids: Sequence[int] = (),
) -> Thread:
    """Forwards ``thread_id`` (else the whole conversation) to ``to`` and ``cc`` with ``note`` (HTML) above
    it and copies of the attachments ``attachment_ids`` (any of the conversation's published threads').
    Returns the forward note; its email is queued in the outbox."""
    conversation = _locked(conversation)
    _check_access(user=by_user, mailbox=conversation.mailbox, argument="by_user")
    recipients = list(dict.fromkeys(_addresses(to, "to")))
    if not recipients:
        raise Invalid({"to": "Forward to at least one address."})
    copies = list(dict.fromkeys(a for a in _addresses(cc, "cc") if a not in recipients))
    forwarded = _forwarded_thread(conversation, thread_id)
    attachments = []
    for attachment in _attachments_chosen(conversation, attachment_ids):
        with attachment.file.open("rb") as handle:
            content = handle.read()
        attachments.append(
            NewAttachment(file_name=attachment.file_name, content=content, mime_type=attachment.mime_type)
        )
    quote = forward_quote(conversation=conversation, thread=forwarded)
    forward = thread_create(
        conversation=conversation,
        thread=NewThread(
            type=Thread.Type.NOTE,
            body=note + quote,
            user=by_user,
            to=recipients,
            cc=copies,
            attachments=attachments,
            action_data={"subtype": FORWARD_SUBTYPE, "thread_id": forwarded.pk if forwarded else None},
        ),
    )
    mail_forward(conversation=conversation, thread=forward)
    return forward
