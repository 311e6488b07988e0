"""Taking an incoming email into a mailbox: dropped as a duplicate or as our own, attached to the
conversation it answers, or a new conversation. Conversations and threads are written only through the
conversation services, so webhooks, notifications and the auto-reply happen exactly as for any other entry.

Threading, in order: In-Reply-To/References against the Message-IDs this mailbox stored or sent, then the
signed reply token every outgoing mail carries (for clients that drop those headers), else a new
conversation with the sender as customer (created if new). An answer to a merged conversation goes to the
one it was merged into.
"""

import logging

from django.db import transaction
from django.db.models import Q

from conversations.mail.compose import REPLY_ABOVE_MARKER, reply_token_find
from conversations.mail.parsing import ParsedEmail, email_parse, name_split, text_to_html
from conversations.models import Conversation, OutgoingEmail, ReceivedEmail, SendStatus, Thread
from conversations.selectors import conversation_survivor
from conversations.services import NewThread, conversation_create, thread_create
from customers.models import Customer
from customers.services import customer_get_or_create_by_email
from helpdesk.models import User
from mailboxes.models import Mailbox
from mailboxes.selectors import mailbox_accessible_by

logger = logging.getLogger(__name__)

Outcome = ReceivedEmail.Outcome
EMPTY_BODY = "<p>(no text)</p>"


def _mailbox_addresses(mailbox: Mailbox) -> set[str]:
    return {mailbox.email.lower()} | {a.strip().lower() for a in mailbox.aliases.split(",") if a.strip()}


def _conversation_by_message_ids(mailbox: Mailbox, message_ids: list[str]) -> Conversation | None:
    if not message_ids:
        return None
    thread = (
        Thread.objects.filter(conversation__mailbox=mailbox, message_id__in=message_ids)
        .order_by("-created_at", "-id")
        .select_related("conversation")
        .first()
    )
    if thread is not None:
        return _survivor(mailbox, thread.conversation)
    # Auto-replies and notifications are not threads, but answers to them belong to their conversation.
    sent = (
        OutgoingEmail.objects.filter(mailbox=mailbox, message_id__in=message_ids, conversation__isnull=False)
        .select_related("conversation")
        .first()
    )
    return _survivor(mailbox, sent.conversation) if sent is not None else None


def _survivor(mailbox: Mailbox, conversation: Conversation | None) -> Conversation | None:
    """An answer to a merged conversation (its mail, its number) belongs to the one it was merged into."""
    if conversation is None:
        return None
    return conversation_survivor(conversation=conversation, queryset=Conversation.objects.filter(mailbox=mailbox))


def _conversation_for(mailbox: Mailbox, parsed: ParsedEmail) -> Conversation | None:
    conversation = _conversation_by_message_ids(mailbox, [*parsed.in_reply_to, *reversed(parsed.references)])
    if conversation is not None:
        return conversation
    number = reply_token_find(
        " ".join(parsed.in_reply_to + parsed.references), parsed.subject, parsed.text, parsed.html
    )
    if number is None:
        return None
    return _survivor(mailbox, Conversation.objects.filter(mailbox=mailbox, number=number).first())


def _agent(mailbox: Mailbox, address: str) -> User | None:
    """The active agent with access to ``mailbox`` who writes from ``address`` (login or alternate email)."""
    candidates = User.objects.filter(
        Q(email__iexact=address) | Q(alternate_emails__icontains=address), status=User.Status.ACTIVE
    )
    for user in candidates:
        addresses = {user.email.lower()} | {a.strip().lower() for a in user.alternate_emails.split(",")}
        if address in addresses and mailbox_accessible_by(user=user, mailbox_id=mailbox.pk):
            return user
    return None


def _agent_reply_body(parsed: ParsedEmail) -> str:
    """An agent's answer to a notification, without the quoted notification below the marker."""
    text = parsed.text or ""
    if REPLY_ABOVE_MARKER in text:
        lines = text[: text.index(REPLY_ABOVE_MARKER)].splitlines()
        # Drop the client's "On …, … wrote:" line and the quote marks right above the marker.
        while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith(">") or "wrote:" in lines[-1]):
            lines.pop()
        return text_to_html("\n".join(lines)) or EMPTY_BODY
    if REPLY_ABOVE_MARKER in parsed.html:
        # No text part: cut the HTML before the quote holding the marker; the sanitiser closes open tags.
        head = parsed.html[: parsed.html.index(REPLY_ABOVE_MARKER)]
        quote = head.lower().rfind("<blockquote")
        return (head[:quote] if quote != -1 else head) or EMPTY_BODY
    return parsed.body_html or EMPTY_BODY


def _customer(parsed: ParsedEmail) -> Customer:
    first_name, last_name = name_split(parsed.from_name)
    customer, _ = customer_get_or_create_by_email(email=parsed.from_email, first_name=first_name, last_name=last_name)
    return customer


def _new_thread(mailbox: Mailbox, parsed: ParsedEmail, *, message_id: str, **kwargs) -> NewThread:
    ours = _mailbox_addresses(mailbox)
    return NewThread(
        body=parsed.body_html if (parsed.body_html.strip() or parsed.attachments) else EMPTY_BODY,
        to=[a for a in parsed.to if a not in ours],
        cc=[a for a in parsed.cc if a not in ours],
        message_id=message_id,
        headers=parsed.headers,
        attachments=parsed.attachments,
        **kwargs,
    )


def _bounce(mailbox: Mailbox, parsed: ParsedEmail, message_id: str) -> Thread | None:
    """Attaches a bounce to the conversation of the mail it reports, and marks that mail bounced."""
    ids = parsed.bounced_message_ids + parsed.in_reply_to + parsed.references
    conversation = _conversation_by_message_ids(mailbox, ids)
    if conversation is None:
        logger.info("Bounce %s reports no mail of mailbox %s; ignored", message_id, mailbox.pk)
        return None
    Thread.objects.filter(conversation=conversation, message_id__in=ids).update(send_status=SendStatus.BOUNCED)
    body = f"<p><strong>Delivery failed</strong> ({parsed.from_email or 'mail server'}):</p>{parsed.body_html}"
    # The conversation's status stays: a bounce is information for the agent, not a customer's answer.
    return thread_create(
        conversation=conversation,
        thread=NewThread(type=Thread.Type.CUSTOMER, body=body, message_id=message_id, headers=parsed.headers),
        status=conversation.status,
    )


def _deduplicated_id(mailbox: Mailbox, parsed: ParsedEmail) -> str | None:
    """The id to record the email under, or None for a duplicate: the same Message-ID with the same
    content is a duplicate; with other content it is taken under a suffixed id; no Message-ID → a hash."""
    message_id = parsed.message_id or f"{parsed.content_hash[:40]}@hash.invalid"
    seen = ReceivedEmail.objects.filter(mailbox=mailbox, message_id=message_id).values_list("content_hash", flat=True)
    for content_hash in seen:
        if content_hash == parsed.content_hash:
            return None
        message_id = f"{message_id}.{parsed.content_hash[:12]}"
        if ReceivedEmail.objects.filter(mailbox=mailbox, message_id=message_id).exists():
            return None
    return message_id


def _ours(mailbox: Mailbox, message_id: str) -> bool:
    """Our own mail coming back (a copy to ourselves, a forwarder's loop)."""
    return (
        Thread.objects.filter(conversation__mailbox=mailbox, message_id=message_id).exists()
        or OutgoingEmail.objects.filter(mailbox=mailbox, message_id=message_id).exists()
    )


@transaction.atomic
def mail_ingest(*, mailbox: Mailbox, raw: bytes) -> ReceivedEmail | None:
    """Takes one raw email into ``mailbox``; None when it is a duplicate of one already taken."""
    parsed = email_parse(raw)
    message_id = _deduplicated_id(mailbox, parsed)
    if message_id is None:
        return None
    outcome, thread = Outcome.IGNORED, None
    if _ours(mailbox, message_id) or not parsed.from_email:
        pass
    elif parsed.is_bounce:
        thread = _bounce(mailbox, parsed, message_id)
        outcome = Outcome.BOUNCE if thread is not None else Outcome.IGNORED
    else:
        outcome, thread = _take(mailbox, parsed, message_id)
    return ReceivedEmail.objects.create(
        mailbox=mailbox, message_id=message_id, content_hash=parsed.content_hash, outcome=outcome, thread=thread
    )


def _take(mailbox: Mailbox, parsed: ParsedEmail, message_id: str) -> tuple[Outcome, Thread]:
    conversation = _conversation_for(mailbox, parsed)
    if conversation is not None:
        agent = _agent(mailbox, parsed.from_email)
        if agent is not None:
            new = _new_thread(mailbox, parsed, message_id=message_id, type=Thread.Type.MESSAGE, user=agent)
            new = NewThread(**{**new.__dict__, "body": _agent_reply_body(parsed)})
        else:
            customer = _customer(parsed)
            new = _new_thread(mailbox, parsed, message_id=message_id, type=Thread.Type.CUSTOMER, customer=customer)
        return Outcome.THREADED, thread_create(conversation=conversation, thread=new)
    customer = _customer(parsed)
    new = _new_thread(mailbox, parsed, message_id=message_id, type=Thread.Type.CUSTOMER, customer=customer)
    conversation = conversation_create(
        mailbox=mailbox,
        subject=parsed.subject or "(no subject)",
        customer=customer,
        customer_email=parsed.from_email,
        threads=[new],
    )
    return Outcome.CREATED, conversation.threads.get(message_id=message_id)
