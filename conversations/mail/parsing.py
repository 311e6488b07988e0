"""Reading an incoming email with the standard library's modern API (``email.policy.default``): headers
decoded, bodies in their charsets, attachments and inline images (``cid:`` links rewritten to the
attachment's download URL), bounce reports recognised. Nothing here writes."""

import hashlib
import html
import logging
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.errors import HeaderParseError
from email.message import EmailMessage, Message, MIMEPart
from email.parser import BytesParser
from email.utils import collapse_rfc2231_value, getaddresses, parsedate_to_datetime

from django.conf import settings
from django.core.exceptions import ValidationError

from conversations.body_links import attachment_path
from conversations.services import NewAttachment
from conversations.services.threads import attachment_file_name
from customers.services import email_normalise

logger = logging.getLogger(__name__)

MESSAGE_ID_RE = re.compile(r"<([^<>\s]+)>")
# What the stdlib's header parser raises on some malformed headers (instead of recording a defect).
HEADER_ERRORS = (ValueError, TypeError, IndexError, AttributeError, HeaderParseError)
NAME_MAX_LENGTH = 40


@dataclass
class ParsedEmail:
    message_id: str
    subject: str
    from_email: str
    from_name: str
    to: list[str]
    cc: list[str]
    in_reply_to: list[str]
    references: list[str]
    date: datetime | None
    text: str
    html: str
    headers: str
    content_hash: str
    attachments: list[NewAttachment] = field(default_factory=list)
    is_bounce: bool = False
    # Message-IDs of our mail that a bounce reports as undeliverable.
    bounced_message_ids: list[str] = field(default_factory=list)

    @property
    def body_html(self) -> str:
        """The body to store (the services sanitise it): the HTML part, else the text as HTML."""
        if self.html.strip():
            return self.html
        return text_to_html(self.text)


def text_to_html(text: str) -> str:
    paragraphs = re.split(r"\n\s*\n", (text or "").strip())
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs if p.strip())


def _header(message: Message, name: str) -> str:
    """A header's decoded value; a malformed header reads as its raw text instead of failing the message."""
    try:
        value = message.get(name)
    except HEADER_ERRORS:
        value = next(iter(_raw_values(message, name)), "")
    return " ".join(_readable(value or "").split())


def _raw_values(message: Message, name: str) -> list[str]:
    return [_readable(raw) for key, raw in message.raw_items() if key.lower() == name.lower()]


def _readable(value: object) -> str:
    """Text a database stores: raw 8-bit header bytes arrive as surrogate escapes (read them as UTF-8), and
    PostgreSQL refuses NUL characters."""
    return str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace").replace("\x00", "")


def _message_ids(value: str) -> list[str]:
    return MESSAGE_ID_RE.findall(value or "")


def _addresses(message: Message, name: str) -> list[tuple[str, str]]:
    """(name, normalised address) pairs; invalid addresses are left out."""
    try:
        values = [_readable(value) for value in message.get_all(name, [])]
    except HEADER_ERRORS:
        values = _raw_values(message, name)
    found = []
    for display, address in getaddresses(values):
        try:
            found.append((display, email_normalise(address)))
        except ValidationError:
            continue
    return found


def _decoded(part: MIMEPart) -> str:
    try:
        return _readable(part.get_content())
    except (LookupError, UnicodeError, KeyError):
        # An unknown or lying charset: keep what can be read (a leaf part's payload decodes to bytes).
        payload = part.get_payload(decode=True)
        return _readable(payload.decode("utf-8", "replace") if isinstance(payload, bytes) else "")


def _bounce_ids(message: EmailMessage) -> list[str]:
    """Message-IDs of the original mail inside a delivery report (message/rfc822 or text/rfc822-headers)."""
    ids: list[str] = []
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            if isinstance(inner, Message):
                ids += _message_ids(_header(inner, "Message-ID"))
        elif content_type == "text/rfc822-headers":
            headers = BytesParser(policy=policy.default).parsebytes((_decoded(part) or "").encode(), headersonly=True)
            ids += _message_ids(_header(headers, "Message-ID"))
    return ids


def _is_bounce(message: EmailMessage, from_email: str) -> bool:
    if message.get_content_type() == "multipart/report":
        report_type = message.get_param("report-type", "")
        if isinstance(report_type, tuple):  # an RFC 2231 value: (charset, language, value)
            report_type = collapse_rfc2231_value(report_type)
        return report_type.lower() == "delivery-status"
    local_part = from_email.partition("@")[0]
    return local_part in ("mailer-daemon", "postmaster") and bool(_bounce_ids(message))


def _leaf_parts(message: MIMEPart, *, into_messages: bool) -> Iterator[MIMEPart]:
    """Leaf parts, not descending into attached messages unless asked (a forwarded mail stays one file)."""
    if message.is_multipart():
        for part in message.iter_parts():
            yield from _leaf_parts(part, into_messages=into_messages)
    elif message.get_content_type() == "message/rfc822" and into_messages:
        for inner in message.get_payload():
            if isinstance(inner, MIMEPart):
                yield from _leaf_parts(inner, into_messages=into_messages)
    else:
        yield message


def _attachments(message: MIMEPart, body_parts: list[MIMEPart]) -> tuple[list[NewAttachment], dict[str, str]]:
    """The attachments, and ``cid`` → download path (host-free, conversations/body_links.py) for the inline
    ones."""
    attachments: list[NewAttachment] = []
    cid_urls: dict[str, str] = {}
    for part in _leaf_parts(message, into_messages=False):
        if any(part is body for body in body_parts):
            continue
        if part.get_content_type() == "message/rfc822":
            content = part.as_bytes(policy=policy.SMTP)
            name = _readable(part.get_filename() or "message.eml")
        else:
            payload = part.get_payload(decode=True)  # a leaf part's payload decodes to bytes
            content = payload if isinstance(payload, bytes) else b""
            name = _readable(part.get_filename() or f"attachment.{part.get_content_subtype()}")
        if not content:
            continue
        if len(content) > settings.HELPDESK_ATTACHMENT_MAX_BYTES:
            logger.warning("Attachment %r of %d bytes is over the limit; left out", name, len(content))
            continue
        content_id = _header(part, "Content-ID").strip("<>")
        token = secrets.token_hex(16) if content_id else ""
        name = attachment_file_name(name)
        if content_id:
            cid_urls[content_id] = attachment_path(token, name)
        attachments.append(
            NewAttachment(
                file_name=name,
                content=content,
                mime_type=part.get_content_type(),
                content_id=content_id[:255],
                token=token,
            )
        )
    return attachments, cid_urls


def _content_hash(message: EmailMessage, raw: bytes) -> str:
    """What makes two copies of a message the same: the body bytes and the headers its author wrote,
    not the ``Received`` trail that differs between deliveries."""
    digest = hashlib.sha256()
    for name in ("From", "To", "Cc", "Subject", "Date"):
        digest.update(f"{name}:{_header(message, name)}\n".encode())
    separator = re.search(rb"\r?\n\r?\n", raw)
    digest.update(raw[separator.end() :] if separator else b"")
    return digest.hexdigest()


# A MIME parameter without "=" ("text/plain; 0*") in a Content-* header line, of any part.
_PARAMETER_WITHOUT_VALUE = re.compile(rb"(?im)^(content-[a-z-]+:[^\r\n]*?);[ \t]*[^;=\r\n]*(?=;|\r?$)")


def _message_parse(raw: bytes) -> EmailMessage:
    """The message; the standard library's header parser fails on some malformed parameters (IndexError on
    ``Content-Type: text/plain; 0*``, found by fuzzing), so such parameters are dropped and it reads again."""
    try:
        return _parsed(raw)
    except (IndexError, HeaderParseError):
        previous = None
        while previous != raw:
            previous, raw = raw, _PARAMETER_WITHOUT_VALUE.sub(rb"\1", raw)
        return _parsed(raw)


def _parsed(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    message.get_content_type()  # header values are parsed when read: fail here, not later
    for part in message.walk():
        part.get_content_type()
    return message


def email_parse(raw: bytes) -> ParsedEmail:
    message = _message_parse(raw)
    senders = _addresses(message, "From") or _addresses(message, "Sender")
    from_name, from_email = senders[0] if senders else ("", "")
    is_bounce = _is_bounce(message, from_email)
    html_part = message.get_body(preferencelist=("html",))
    text_part = message.get_body(preferencelist=("plain",))
    html_body = _decoded(html_part) if html_part is not None else ""
    text_body = _decoded(text_part) if text_part is not None else ""
    attachments: list[NewAttachment]
    cid_urls: dict[str, str]
    if is_bounce:
        # The human-readable explanation; the report and the returned original are not the customer's.
        attachments, cid_urls = [], {}
    else:
        attachments, cid_urls = _attachments(message, [p for p in (html_part, text_part) if p is not None])
    for content_id, url in cid_urls.items():
        html_body = re.sub(rf"cid:{re.escape(content_id)}(?=[\"'\s>)])", url, html_body, flags=re.IGNORECASE)
    try:
        date = parsedate_to_datetime(_header(message, "Date")) if _header(message, "Date") else None
    except (TypeError, ValueError, IndexError):
        date = None
    separator = re.search(rb"\r?\n\r?\n", raw)
    headers = _readable((raw[: separator.start()] if separator else raw).decode("utf-8", "replace"))
    return ParsedEmail(
        message_id=(_message_ids(_header(message, "Message-ID")) or [""])[0][:990],
        subject=_header(message, "Subject")[:998],
        from_email=from_email,
        from_name=from_name,
        to=[address for _, address in _addresses(message, "To")],
        cc=[address for _, address in _addresses(message, "Cc")],
        in_reply_to=_message_ids(_header(message, "In-Reply-To")),
        references=_message_ids(_header(message, "References")),
        date=date,
        text=text_body,
        html=html_body,
        headers=headers,
        content_hash=_content_hash(message, raw),
        attachments=attachments,
        is_bounce=is_bounce,
        bounced_message_ids=_bounce_ids(message) if is_bounce else [],
    )


def name_split(display_name: str) -> tuple[str, str]:
    """(first, last) from a display name, each cut to the customer's field length."""
    display_name = display_name.strip().strip("\"'")
    if "," in display_name:  # "Last, First", as Outlook writes it
        last, _, first = display_name.partition(",")
    else:
        first, _, last = display_name.partition(" ")
    return first.strip()[:NAME_MAX_LENGTH], last.strip()[:NAME_MAX_LENGTH]
