"""What an API client sends to open a conversation or add a thread, taken in the same way for every API
dialect: customers named by reference, attachments given as content (``attachment_base64_decode``) or as a
URL to download, custom field values given by field id. Each function checks all of it, then calls the
conversation services in one transaction.

Errors are ``helpdesk.errors`` kinds whose fields are named after the arguments here, in domain terms, with
``.`` into an object and ``[i]`` into a list (``helpdesk.errors.fields_under``):
- ``customer.id``, ``customer.email``: the conversation's customer reference;
- ``custom_fields[i].id``, ``custom_fields[i].value``: the i-th ``(field id, value)`` given;
- in a thread: ``user``, ``text``, ``to``… (``NewThread``'s checks), ``customer.id``, ``customer.email``,
  and ``attachments[k].url`` for a download that failed;
- in a conversation, each thread's under ``threads[i]``, ``i`` its position in the ``threads`` given (oldest
  first), as in ``threads[2].attachments[0].url``.
A dialect maps these to its request's names, and to its own order of threads, in one place.

Downloads run before any transaction opens, so call these outside one (the API views that call them are
not atomic): a slow server must not keep the database's locks held.
"""

import base64
import binascii
import dataclasses
import mimetypes
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict, Unpack
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from conversations.models import Attachment, Conversation, Thread
from conversations.services.attachments import attachment_create
from conversations.services.labels import custom_field_values_clean
from conversations.services.lifecycle import conversation_create
from conversations.services.threads import NewAttachment, NewThread, thread_create
from customers.models import Customer
from customers.services import customer_resolve
from helpdesk.errors import Invalid, fields_under, invalid_renamed
from helpdesk.models import User
from helpdesk.outbound import FetchError, UnsafeUrl, url_fetch
from mailboxes.models import Mailbox


@dataclass(frozen=True)
class CustomerRef:
    """A customer as a client names one: by id, else by any of its emails, else (phone conversations) a
    new customer with this name or phone (``customer_resolve``)."""

    id: int | None = None
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""


@dataclass(frozen=True)
class AttachmentSource:
    """An attachment given with its ``content``, or with the ``url`` to download it from."""

    file_name: str
    content: bytes | None = None
    url: str = ""
    mime_type: str = ""


@dataclass(frozen=True)
class ThreadIntake:
    """A thread as a client gives it: ``thread`` without customer and attachments, which come from
    ``customer`` (the conversation's when None) and ``attachments``."""

    thread: NewThread
    customer: CustomerRef | None = None
    attachments: Sequence[AttachmentSource] = ()


class ConversationOptions(TypedDict, total=False):
    """``conversation_create``'s arguments that ``conversation_intake`` passes on as they are."""

    type: str
    status: str
    state: str
    assignee: User | None
    source_type: str
    imported: bool
    created_at: datetime | None
    closed_at: datetime | None


def attachment_base64_decode(*, data: str) -> bytes:
    """The content of an attachment given in base64, within the size limit; ``Invalid`` (no field) else."""
    limit = settings.HELPDESK_ATTACHMENT_MAX_BYTES
    try:
        content = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("Not valid base64.") from None
    if len(content) > limit:
        raise Invalid(f"Larger than {limit} bytes.")
    return content


def attachments_fetch(*, attachments: Sequence[AttachmentSource]) -> list[NewAttachment]:
    """The attachments with their content, those given by URL downloaded through the guard against
    server-side request forgery. The type is the one given, else the download's, else the file name's."""
    fetched = []
    for index, source in enumerate(attachments):
        content, fetched_type = source.content, None
        if content is None:
            try:
                content, fetched_type, _ = url_fetch(source.url, max_bytes=settings.HELPDESK_ATTACHMENT_MAX_BYTES)
            except (UnsafeUrl, FetchError) as error:
                raise Invalid({f"attachments[{index}].url": str(error)}) from None
        mime_type = source.mime_type or fetched_type or mimetypes.guess_type(source.file_name)[0]
        fetched.append(
            NewAttachment(
                file_name=source.file_name, content=content, mime_type=mime_type or "application/octet-stream"
            )
        )
    return fetched


def _customer(ref: CustomerRef) -> Customer:
    """The customer ``ref`` names, errors named under ``customer``. Call it inside the caller's
    transaction: a customer it creates must go if the rest is refused."""
    with fields_under("customer"):
        return customer_resolve(**dataclasses.asdict(ref))[0]


def _thread(given: ThreadIntake, attachments: list[NewAttachment]) -> NewThread:
    customer = None if given.customer is None else _customer(given.customer)
    return dataclasses.replace(given.thread, customer=customer, attachments=attachments)


def conversation_intake(
    *,
    mailbox: Mailbox,
    subject: str,
    customer: CustomerRef,
    threads: Sequence[ThreadIntake],
    custom_fields: Sequence[tuple[int, object]] = (),
    **options: Unpack[ConversationOptions],
) -> Conversation:
    """Opens a conversation with its threads (oldest first) and custom field values, all or nothing.

    Everything that can be checked before a write is, first: the downloads, then the custom fields; so a
    refused request leaves no customer, conversation or attachment file behind."""
    attachments = []
    for index, given in enumerate(threads):
        with fields_under(f"threads[{index}]"):
            attachments.append(attachments_fetch(attachments=given.attachments))
    custom_field_values_clean(mailbox_id=mailbox.pk, values=custom_fields)
    with transaction.atomic():
        conversation_customer = _customer(customer)
        new_threads = []
        for index, given in enumerate(threads):
            with fields_under(f"threads[{index}]"):
                new_threads.append(_thread(given, attachments[index]))
        conversation = conversation_create(
            mailbox=mailbox,
            subject=subject,
            customer=conversation_customer,
            threads=new_threads,
            custom_fields=custom_fields,
            **options,
        )
    return conversation


def thread_intake(
    *, conversation: Conversation, thread: ThreadIntake, status: str | None = None, imported: bool = False
) -> Thread:
    """Adds ``thread`` (``thread_create``) once its attachments are fetched and its customer found."""
    attachments = attachments_fetch(attachments=thread.attachments)
    with transaction.atomic():
        new = _thread(thread, attachments)
        return thread_create(conversation=conversation, thread=new, status=status, imported=imported)


def attachment_intake(*, source: AttachmentSource) -> Attachment:
    """Stores a file on no thread yet (``attachment_create``), given with its content or downloaded from its
    URL (``Invalid`` at ``url`` when that fails). Without a file name, the URL's last path segment names it."""
    if not source.file_name and source.content is None:
        source = dataclasses.replace(source, file_name=posixpath.basename(urlsplit(source.url).path))
    try:
        [attachment] = attachments_fetch(attachments=[source])
    except ValidationError as error:
        raise invalid_renamed(error, lambda field: field.removeprefix("attachments[0].")) from None
    with transaction.atomic():
        return attachment_create(attachment=attachment)


def _mime_type_valid(value: str) -> bool:
    """``type/subtype`` in RFC 6838's characters, within the column."""
    kind, slash, subtype = value.partition("/")
    characters = kind + subtype
    return (
        bool(kind and slash and subtype)
        and len(value) <= (Attachment._meta.get_field("mime_type").max_length or 0)
        and all(c.isascii() and (c.isalnum() or c in "!#$&^_.+-") for c in characters)
    )


def attachment_upload(*, source: AttachmentSource, uploaded_by: User) -> Attachment:
    """``attachment_intake`` for a file a user uploads on its own, which remembers ``uploaded_by`` (until a
    message takes it, only they and admins may see it). Refuses an empty file (``Invalid`` at ``content``, or
    ``url`` when downloaded) and a given type that is no MIME type (at ``mime_type``); a downloaded file's own
    type that is none gives way to its name's. A given type's parameters (``; charset=…``) are dropped."""
    source = dataclasses.replace(source, mime_type=source.mime_type.partition(";")[0].strip())
    if source.mime_type and not _mime_type_valid(source.mime_type):
        raise Invalid({"mime_type": "Not a MIME type such as image/jpeg."})
    if source.content is not None and not source.content:
        raise Invalid({"content": "The file is empty."})
    # The storage refuses these as path traversal (SuspiciousFileOperation).
    if source.file_name.strip() in (".", ".."):
        raise Invalid({"file_name": "Not a usable file name."})
    if not source.file_name and source.content is None:
        url_name = posixpath.basename(urlsplit(source.url).path)
        source = dataclasses.replace(source, file_name="" if url_name in (".", "..") else url_name)
    try:
        [attachment] = attachments_fetch(attachments=[source])
    except ValidationError as error:
        raise invalid_renamed(error, lambda field: field.removeprefix("attachments[0].")) from None
    if not attachment.content:
        raise Invalid({"url": "The file downloaded is empty."})
    if not _mime_type_valid(attachment.mime_type):
        guessed = mimetypes.guess_type(attachment.file_name)[0] or "application/octet-stream"
        attachment = dataclasses.replace(attachment, mime_type=guessed)
    with transaction.atomic():
        row = attachment_create(attachment=attachment)
        row.uploaded_by = uploaded_by
        row.save(update_fields=["uploaded_by"])
    return row
