"""Building outgoing messages: agent replies, auto-replies and agent notifications.

Every message carries a Message-ID that embeds the conversation's *reply token*, and the token again in
its text, so a reply finds its conversation even from a client that drops In-Reply-To and References.
The token is signed: nobody can post into a conversation by guessing its number.
"""

import hashlib
import hmac
import html
import re
import secrets
from collections.abc import Iterable, Sequence
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

import nh3
from django.conf import settings
from django.utils import timezone

from conversations.body_links import body_links_absolute
from conversations.models import Conversation, Thread
from conversations.services.common import text_preview
from helpdesk.models import User
from mailboxes.models import Mailbox

# hd-<conversation number>-<signature>; searched for in references, subjects and bodies of incoming mail.
REPLY_TOKEN_RE = re.compile(r"\bhd-(\d{1,18})-([0-9a-f]{12})\b")
REFERENCES_LIMIT = 20
# CRLF line ends, and bodies in quoted-printable or base64: no SMTP server has to take 8-bit data.
OUTGOING_POLICY = policy.SMTP.clone(cte_type="7bit")
# Agents answer notifications above this line; what is below it is the quoted notification.
REPLY_ABOVE_MARKER = "-- Reply above this line to answer the customer --"


def reply_token(conversation_number: int) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"reply-token:{conversation_number}".encode(), hashlib.sha256)
    return f"hd-{conversation_number}-{digest.hexdigest()[:12]}"


def reply_token_find(*texts: str) -> int | None:
    """The conversation number of the first validly signed reply token in ``texts``."""
    for text in texts:
        for match in REPLY_TOKEN_RE.finditer(text or ""):
            number = int(match.group(1))
            if hmac.compare_digest(reply_token(number), match.group(0)):
                return number
    return None


def message_id_new(mailbox: Mailbox, conversation: Conversation | None) -> str:
    """A fresh Message-ID (without <>) on the mailbox's domain."""
    domain = mailbox.email.rpartition("@")[2] or "localhost"
    token = f".{reply_token(conversation.number)}" if conversation is not None else ""
    return f"{secrets.token_hex(10)}{token}@{domain}"


def one_line(value: str) -> str:
    """Header values never carry CR/LF (header injection)."""
    return " ".join((value or "").split())


def reply_subject(subject: str) -> str:
    subject = one_line(subject)
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


def html_to_text(body: str) -> str:
    text = re.sub(r"<br\s*/?>|</p>|</div>|</li>|</tr>|</h\d>", "\n", body or "", flags=re.IGNORECASE)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return "\n".join(line.rstrip() for line in text.splitlines()).strip()


def mailbox_from(mailbox: Mailbox, user: User | None = None) -> Address:
    if mailbox.from_name == Mailbox.FromName.USER and user is not None:
        name = user.get_full_name()
    elif mailbox.from_name == Mailbox.FromName.CUSTOM and mailbox.from_name_custom:
        name = mailbox.from_name_custom
    else:
        name = mailbox.name
    local, _, domain = mailbox.email.partition("@")
    return Address(display_name=one_line(name), username=local, domain=domain)


def _new_message(
    *, sender: Address, to: Sequence[str], subject: str, message_id: str, cc: Sequence[str] = ()
) -> EmailMessage:
    message = EmailMessage(policy=OUTGOING_POLICY)
    message["From"] = sender
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Subject"] = one_line(subject)
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = f"<{message_id}>"
    return message


def _thread_references(conversation: Conversation, *, before: Thread | None = None) -> tuple[str, list[str]]:
    """(In-Reply-To: the customer's last message, References: the conversation's messages, oldest first)."""
    threads = conversation.threads.filter(type__in=Thread.MESSAGE_TYPES).exclude(message_id="")
    if before is not None:
        threads = threads.exclude(pk=before.pk)
    rows = list(threads.order_by("created_at", "id").values_list("type", "message_id"))
    customer_ids = [message_id for type_, message_id in rows if type_ == Thread.Type.CUSTOMER]
    references = [message_id for _, message_id in rows][-REFERENCES_LIMIT:]
    return (customer_ids[-1] if customer_ids else ""), references


def _set_references(message: EmailMessage, in_reply_to: str, references: Iterable[str]) -> None:
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}>"
    references = [f"<{message_id}>" for message_id in references]
    if references:
        message["References"] = " ".join(references)


def _set_body(message: EmailMessage, body_html: str, token: str) -> None:
    body_html = body_links_absolute(body_html)  # a mail client is on another host
    # The token in the text too: some clients keep neither In-Reply-To nor References, but do quote.
    footer_html = f'<p style="color:#b5b5b5;font-size:10px">[{token}]</p>'
    message.set_content(f"{html_to_text(body_html)}\n\n[{token}]\n")
    message.add_alternative(f"<html><body>{body_html}{footer_html}</body></html>", subtype="html")


def reply_recipients(thread: Thread, conversation: Conversation) -> list[str]:
    """To: the thread's own recipients when it names them, else the conversation's customer."""
    return list(thread.to) or ([conversation.customer_email] if conversation.customer_email else [])


def reply_compose(*, thread: Thread, conversation: Conversation, signature: bool = True) -> EmailMessage:
    """The email of an agent reply: to the customer or the thread's ``to`` (and its cc/bcc), with the mailbox's
    signature (unless ``signature`` is False) and the thread's attachments."""
    mailbox = conversation.mailbox
    in_reply_to, references = _thread_references(conversation, before=thread)
    message = _new_message(
        sender=mailbox_from(mailbox, thread.created_by_user),
        to=reply_recipients(thread, conversation),
        cc=thread.cc,
        # An agent who starts a conversation writes its first message, not a reply.
        subject=one_line(conversation.subject) if thread.first else reply_subject(conversation.subject),
        message_id=thread.message_id,
    )
    _set_references(message, in_reply_to, references)
    signature_html = nh3.clean(mailbox.signature or "") if signature else ""
    body = thread.body + (f"<br><br>{signature_html}" if signature_html else "")
    _set_body(message, body, reply_token(conversation.number))
    _attach_files(message, thread)
    return message


def _attach_files(message: EmailMessage, thread: Thread) -> None:
    for attachment in thread.attachments.all():
        with attachment.file.open("rb") as handle:
            content = handle.read()
        maintype, _, subtype = (attachment.mime_type or "application/octet-stream").partition("/")
        message.add_attachment(
            content, maintype=maintype, subtype=subtype or "octet-stream", filename=attachment.file_name
        )


def forward_subject(subject: str) -> str:
    subject = one_line(subject)
    return subject if subject.lower().startswith(("fwd:", "fw:")) else f"Fwd: {subject}"


def forward_compose(*, thread: Thread, conversation: Conversation) -> EmailMessage:
    """The email of a forward (``conversations.services.forward``): to the note's ``to`` and ``cc``, its body
    (the agent's note above the quoted message) with the mailbox's signature and the chosen attachments. No
    In-Reply-To: the recipients never had the customer's messages."""
    mailbox = conversation.mailbox
    message = _new_message(
        sender=mailbox_from(mailbox, thread.created_by_user),
        to=thread.to,
        cc=thread.cc,
        subject=forward_subject(conversation.subject),
        message_id=thread.message_id,
    )
    signature_html = nh3.clean(mailbox.signature or "")
    body = thread.body + (f"<br><br>{signature_html}" if signature_html else "")
    _set_body(message, body, reply_token(conversation.number))
    _attach_files(message, thread)
    return message


def auto_reply_compose(*, conversation: Conversation, customer_thread: Thread, message_id: str) -> EmailMessage:
    """The mailbox's auto-reply to a customer who started ``conversation`` (RFC 3834 headers)."""
    mailbox = conversation.mailbox
    message = _new_message(
        sender=mailbox_from(mailbox),
        to=[conversation.customer_email],
        subject=one_line(mailbox.auto_reply_subject) or reply_subject(conversation.subject),
        message_id=message_id,
    )
    if customer_thread.message_id:
        _set_references(message, customer_thread.message_id, [customer_thread.message_id])
    message["Auto-Submitted"] = "auto-replied"
    message["X-Auto-Response-Suppress"] = "All"
    body = nh3.clean(mailbox.auto_reply_message or "") or "<p>We received your message and will reply soon.</p>"
    _set_body(message, body, reply_token(conversation.number))
    return message


def notification_compose(
    *, conversation: Conversation, user: User, headline: str, thread: Thread | None, message_id: str
) -> EmailMessage:
    """A notification to an agent. Answering it by email posts an agent reply (the token says where)."""
    mailbox = conversation.mailbox
    message = _new_message(
        sender=mailbox_from(mailbox),
        to=[user.email],
        subject=f"[#{conversation.number}] {one_line(conversation.subject)}",
        message_id=message_id,
    )
    if thread is not None and thread.message_id:
        _set_references(message, "", [thread.message_id])
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    link = f"{settings.HELPDESK_BASE_URL}/admin/conversations/conversation/{conversation.pk}/change/"
    excerpt = thread.body if thread is not None else html.escape(text_preview(conversation.preview))
    body = (
        f"<p>{html.escape(REPLY_ABOVE_MARKER)}</p><p>{html.escape(headline)}</p>"
        f'<p><a href="{html.escape(link)}">#{conversation.number} {html.escape(conversation.subject)}</a></p>'
        f"<blockquote>{excerpt}</blockquote>"
    )
    _set_body(message, body, reply_token(conversation.number))
    return message
