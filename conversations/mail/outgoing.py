"""What the conversation services email, and to whom. Called in the service's transaction, next to
``event_emit``: each email becomes an ``OutgoingEmail`` row there, and its send task is queued on commit.

- an agent reply (published, not imported) → the customer, unless the conversation is a chat or has no
  customer address (phone);
- a forward (a note of subtype forward) → its ``to`` and ``cc``, whatever the conversation's type;
- a customer starting a conversation → the mailbox's auto-reply, if enabled and RFC 3834 allows it;
- agents → notifications they subscribe to, never about their own actions nor imported threads;
- and the in-app bell (``helpdesk.notification_services``): assigned to you, the customer replied on your
  conversation, whatever the email preferences.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.parser import HeaderParser

from django.db.models import Q
from django.utils import timezone

from conversations.mail import compose
from conversations.models import Conversation, OutgoingEmail, SendStatus, Thread
from helpdesk.models import Notification, User
from helpdesk.notification_services import notification_create
from helpdesk.outbox import outbox_enqueue_on_commit
from mailboxes.models import Mailbox, MailboxUser

logger = logging.getLogger(__name__)

AUTO_REPLY_INTERVAL = timedelta(hours=1)
BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})
# Microsoft's way of asking for no automatic answers.
SUPPRESS_VALUES = frozenset({"all", "autoreply", "oof"})
DAEMON_LOCAL_PARTS = frozenset({"mailer-daemon", "postmaster"})


def own_addresses() -> set[str]:
    """Every address of every mailbox, aliases included: our automatic mail never goes to ourselves."""
    addresses: set[str] = set()
    for email, aliases in Mailbox.objects.values_list("email", "aliases"):
        addresses.add(email.lower())
        addresses.update(alias.strip().lower() for alias in aliases.split(",") if alias.strip())
    return addresses


def is_automatic(headers: str) -> bool:
    """RFC 3834 §2 and common practice: mail nobody should answer automatically."""
    parsed = HeaderParser(policy=policy.compat32).parsestr(headers or "")
    auto_submitted = (parsed.get("Auto-Submitted") or "no").strip().lower()
    if not auto_submitted.startswith("no"):
        return True
    if (parsed.get("Precedence") or "").strip().lower() in BULK_PRECEDENCE:
        return True
    if any(name.lower().startswith("list-") for name in parsed):
        return True
    return_path = parsed.get("Return-Path")
    if return_path is not None and return_path.strip() in ("<>", ""):
        return True
    suppress = {value.strip().lower() for value in (parsed.get("X-Auto-Response-Suppress") or "").split(",")}
    return bool(suppress & SUPPRESS_VALUES)


def _enqueue(
    *,
    kind: str,
    conversation: Conversation,
    message: EmailMessage,
    envelope: Sequence[str],
    thread: Thread | None = None,
) -> OutgoingEmail:
    from conversations.tasks import outgoing_email_send

    recipients = [address for address in dict.fromkeys(a.strip().lower() for a in envelope) if address]
    row = OutgoingEmail.objects.create(
        kind=kind,
        mailbox=conversation.mailbox,
        conversation=conversation,
        thread=thread,
        sender=conversation.mailbox.email,
        recipients=recipients,
        recipient=recipients[0],
        message_id=message["Message-ID"].strip("<> "),
        message=message.as_bytes(policy=compose.OUTGOING_POLICY),
    )
    outbox_enqueue_on_commit(outgoing_email_send, row.pk)
    return row


@dataclass(frozen=True)
class ReplyEmail:
    """How an agent reply is emailed, where not as usual (the LiveAgent API's message options): ``send``
    False when another system mailed it already; ``signature`` False for the text without the mailbox's
    signature; ``own_message_id`` to send it under the Message-ID its thread was given
    (``NewThread.message_id``), so that answers quoting that id thread into the conversation."""

    send: bool = True
    signature: bool = True
    own_message_id: bool = False


def _reply_email(*, conversation: Conversation, thread: Thread, email: ReplyEmail) -> None:
    to = compose.reply_recipients(thread, conversation)
    if conversation.type == Conversation.Type.CHAT or not to:
        return
    own = email.own_message_id and thread.message_id
    message_id = thread.message_id if own else compose.message_id_new(conversation.mailbox, conversation)
    Thread.objects.filter(pk=thread.pk).update(message_id=message_id, send_status=SendStatus.PENDING)
    thread.refresh_from_db(fields=["message_id", "send_status"])
    message = compose.reply_compose(thread=thread, conversation=conversation, signature=email.signature)
    envelope = [*to, *thread.cc, *thread.bcc]
    _enqueue(
        kind=OutgoingEmail.Kind.REPLY, conversation=conversation, message=message, envelope=envelope, thread=thread
    )


def mail_forward(*, conversation: Conversation, thread: Thread) -> None:
    """After ``conversation_forward``: the forward note's email to its ``to`` and ``cc``."""
    message_id = compose.message_id_new(conversation.mailbox, conversation)
    Thread.objects.filter(pk=thread.pk).update(message_id=message_id, send_status=SendStatus.PENDING)
    thread.refresh_from_db(fields=["message_id", "send_status"])
    message = compose.forward_compose(thread=thread, conversation=conversation)
    _enqueue(
        kind=OutgoingEmail.Kind.REPLY,
        conversation=conversation,
        message=message,
        envelope=[*thread.to, *thread.cc],
        thread=thread,
    )


def _auto_reply(*, conversation: Conversation, thread: Thread) -> None:
    mailbox = conversation.mailbox
    to = conversation.customer_email.lower()
    if not mailbox.auto_reply_enabled or not to or conversation.type == Conversation.Type.CHAT:
        return
    if is_automatic(thread.headers) or to in own_addresses() or to.partition("@")[0] in DAEMON_LOCAL_PARTS:
        logger.info("No auto-reply to %s for conversation %s (automatic mail or own address)", to, conversation.pk)
        return
    recent = OutgoingEmail.objects.filter(
        mailbox=mailbox,
        kind=OutgoingEmail.Kind.AUTO_REPLY,
        recipient=to,
        created_at__gte=timezone.now() - AUTO_REPLY_INTERVAL,
    )
    if recent.exists():
        logger.info("No auto-reply to %s: one was sent within the hour", to)
        return
    message = compose.auto_reply_compose(
        conversation=conversation, customer_thread=thread, message_id=compose.message_id_new(mailbox, conversation)
    )
    _enqueue(kind=OutgoingEmail.Kind.AUTO_REPLY, conversation=conversation, message=message, envelope=[to])


def _notify(
    *, users: Sequence[User], conversation: Conversation, headline: str, thread: Thread | None, by_user: User | None
) -> None:
    for user in users:
        if not user.is_active or (by_user is not None and user.pk == by_user.pk):
            continue
        message = compose.notification_compose(
            conversation=conversation,
            user=user,
            headline=headline,
            thread=thread,
            message_id=compose.message_id_new(conversation.mailbox, conversation),
        )
        _enqueue(
            kind=OutgoingEmail.Kind.NOTIFICATION, conversation=conversation, message=message, envelope=[user.email]
        )


def _mailbox_subscribers(mailbox: Mailbox) -> list[User]:
    granted = MailboxUser.objects.filter(mailbox=mailbox).values("user_id")
    return list(
        User.objects.filter(Q(role=User.Role.ADMIN) | Q(pk__in=granted))
        .filter(status=User.Status.ACTIVE, notify_new_conversation=True)
        .order_by("pk")
    )


def mail_conversation_created(*, conversation: Conversation, threads: Sequence[Thread], imported: bool) -> None:
    """After ``conversation_create``: agent-written first messages go out, a customer's gets the
    auto-reply and the mailbox's agents are told."""
    if imported or conversation.state != Conversation.State.PUBLISHED:
        return
    for thread in threads:
        if thread.type == Thread.Type.MESSAGE and thread.state == Thread.State.PUBLISHED:
            _reply_email(conversation=conversation, thread=thread, email=ReplyEmail())
    first = threads[0]
    by_user = first.created_by_user
    if first.type == Thread.Type.CUSTOMER:
        _auto_reply(conversation=conversation, thread=first)
        _notify(
            users=_mailbox_subscribers(conversation.mailbox),
            conversation=conversation,
            headline=f"New conversation from {conversation.customer_email or 'a customer'}.",
            thread=first,
            by_user=None,
        )
    assignee = conversation.assignee
    _bell_assigned(conversation=conversation, by_user=by_user, thread=first)
    if assignee is not None and assignee.notify_assigned:
        _notify(users=[assignee], conversation=conversation, headline="Assigned to you.", thread=first, by_user=by_user)


def mail_thread_created(
    *, conversation: Conversation, thread: Thread, imported: bool, email: ReplyEmail | None = None
) -> None:
    """After ``thread_create``: an agent reply is emailed (as ``email`` says), a customer reply notifies
    the assignee."""
    if imported or thread.state != Thread.State.PUBLISHED:
        return
    email = email or ReplyEmail()
    if thread.type == Thread.Type.MESSAGE and email.send:
        _reply_email(conversation=conversation, thread=thread, email=email)
    elif thread.type == Thread.Type.CUSTOMER:
        assignee = conversation.assignee
        if assignee is not None:
            notification_create(
                user=assignee,
                conversation=conversation,
                thread=thread,
                kind=Notification.Kind.CUSTOMER_REPLY,
                text=f"{conversation.customer_email or 'The customer'} replied: #{conversation.number} "
                f"{conversation.subject}",
            )
        if assignee is not None and assignee.notify_customer_reply:
            _notify(
                users=[assignee],
                conversation=conversation,
                headline=f"{conversation.customer_email or 'The customer'} replied.",
                thread=thread,
                by_user=None,
            )


def _bell_assigned(*, conversation: Conversation, by_user: User | None, thread: Thread | None) -> None:
    """The bell's "assigned to you", whatever the assignee's email preference; not for assigning oneself."""
    assignee = conversation.assignee
    if assignee is None or (by_user is not None and assignee.pk == by_user.pk):
        return
    subject = f"#{conversation.number} {conversation.subject}"
    notification_create(
        user=assignee,
        conversation=conversation,
        thread=thread,
        kind=Notification.Kind.ASSIGNED,
        text=f"{by_user.get_full_name()} assigned you {subject}" if by_user else f"Assigned to you: {subject}",
    )


def mail_conversation_assigned(*, conversation: Conversation, by_user: User | None) -> None:
    _bell_assigned(conversation=conversation, by_user=by_user, thread=None)
    assignee = conversation.assignee
    if assignee is not None and assignee.notify_assigned:
        _notify(users=[assignee], conversation=conversation, headline="Assigned to you.", thread=None, by_user=by_user)
