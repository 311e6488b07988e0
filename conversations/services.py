"""Every write to conversations and their threads, tags, custom fields and timelogs.

The API, the admin, email ingestion and the commands all call these functions. Each validates, writes,
keeps the derived columns (folder, preview, threads_count, last reply) right, and records a line item for
changes an agent makes, all in one transaction. Validation errors are ``ValidationError``s keyed by the
name of the argument at fault.
"""

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import nh3
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags

from conversations.models import (
    Attachment,
    Conversation,
    ConversationStar,
    ConversationTag,
    CustomFieldValue,
    SourceType,
    SourceVia,
    Status,
    Tag,
    Thread,
    Timelog,
)
from customers.models import Customer
from helpdesk.models import User
from helpdesk.services import counter_next
from mailboxes.models import CustomField, Folder, Mailbox
from mailboxes.selectors import folder_get, mailbox_accessible_by
from webhooks.models import Event
from webhooks.services import event_emit

PREVIEW_LENGTH = 255


@dataclass(frozen=True)
class NewAttachment:
    file_name: str
    content: bytes
    mime_type: str = "application/octet-stream"
    content_id: str = ""


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


def folder_type_for(*, state: str, status: str, has_assignee: bool) -> int:
    """The mailbox folder a conversation belongs in (Mine and Starred are views, never a home)."""
    if state == Conversation.State.DRAFT:
        return Folder.Type.DRAFTS
    if state == Conversation.State.DELETED:
        return Folder.Type.DELETED
    if status == Status.SPAM:
        return Folder.Type.SPAM
    if status == Status.CLOSED:
        return Folder.Type.CLOSED
    if has_assignee:
        return Folder.Type.ASSIGNED
    return Folder.Type.UNASSIGNED


def _place(conversation: Conversation) -> None:
    folder_type = folder_type_for(
        state=conversation.state, status=conversation.status, has_assignee=conversation.assignee_id is not None
    )
    if (
        conversation.folder_id is None
        or conversation.folder.type != folder_type
        or conversation.folder.mailbox_id != conversation.mailbox_id
    ):
        conversation.folder = folder_get(mailbox_id=conversation.mailbox_id, type=folder_type)


def _save(conversation: Conversation, *, by_user: User | None = None, at: datetime | None = None) -> None:
    _place(conversation)
    conversation.updated_at = at or timezone.now()
    if by_user is not None:
        conversation.user_updated_at = conversation.updated_at
    conversation.full_clean(exclude=["number", "folder", "mailbox", "customer", "assignee"], validate_constraints=False)
    conversation.save()


def body_sanitise(body: str) -> str:
    return nh3.clean(body or "")


def text_preview(body: str) -> str:
    text = html.unescape(strip_tags(re.sub(r"<br\s*/?>|</p>|</div>", " ", body or "", flags=re.IGNORECASE)))
    return " ".join(text.split())[:PREVIEW_LENGTH]


def _addresses(values: Iterable[str], argument: str) -> list[str]:
    from customers.services import email_normalise

    cleaned = []
    for value in values:
        try:
            cleaned.append(email_normalise(value))
        except ValidationError:
            raise ValidationError({argument: f"{value!r} is not a valid email address."}) from None
    return cleaned


def _check_access(*, user: User, mailbox: Mailbox, argument: str) -> None:
    if not user.is_active or not mailbox_accessible_by(user=user, mailbox_id=mailbox.pk):
        raise ValidationError({argument: f"{user.email} has no access to mailbox {mailbox.name}."})


def _locked(conversation: Conversation) -> Conversation:
    """The current row, locked until the transaction ends: a caller's copy may be stale, and saving it
    would undo a concurrent change (a reply's threads_count, say)."""
    return Conversation.objects.select_for_update().select_related("folder", "mailbox").get(pk=conversation.pk)


def _set_status(conversation: Conversation, *, status: str, by_user: User | None, at: datetime) -> None:
    if status not in Status.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    conversation.status = status
    if status == Status.CLOSED:
        conversation.closed_at, conversation.closed_by = at, by_user
    else:
        conversation.closed_at, conversation.closed_by = None, None


def _line_item(conversation: Conversation, *, action: str, by_user: User | None, at: datetime, **data) -> Thread:
    return Thread.objects.create(
        conversation=conversation,
        type=Thread.Type.LINEITEM,
        status=conversation.status,
        action_type=action,
        action_data=data,
        source_via=Conversation.LastReplyFrom.USER,
        source_type=conversation.source_type,
        created_by_user=by_user,
        assigned_to=conversation.assignee,
        created_at=at,
        updated_at=at,
    )


def _thread_author(conversation: Conversation, new: NewThread) -> tuple[bool, Customer | None]:
    """Validates ``new`` and returns (written by the customer?, its customer)."""
    if new.type not in (Thread.Type.CUSTOMER, Thread.Type.MESSAGE, Thread.Type.NOTE, Thread.Type.CHAT):
        raise ValidationError({"type": f"Unknown thread type {new.type!r}."})
    if new.state not in (Thread.State.DRAFT, Thread.State.PUBLISHED):
        raise ValidationError({"state": f"Unknown thread state {new.state!r}."})
    from_customer = new.type == Thread.Type.CUSTOMER or (new.type == Thread.Type.CHAT and new.user is None)
    customer = new.customer or conversation.customer
    if from_customer and customer is None:
        raise ValidationError({"customer": "A customer thread needs a customer."})
    if not from_customer and new.user is None:
        raise ValidationError({"user": "An agent reply or note needs a user."})
    if not (new.body or "").strip() and not new.attachments:
        raise ValidationError({"text": "A thread needs text."})
    for argument in ("to", "cc", "bcc"):
        _addresses(getattr(new, argument), argument)
    return from_customer, customer


def _thread_insert(conversation: Conversation, new: NewThread, *, status: str, imported: bool, at: datetime) -> Thread:
    """Writes a thread and updates the conversation's derived columns (the caller saves it)."""
    from_customer, customer = _thread_author(conversation, new)
    is_message = new.type != Thread.Type.NOTE
    thread = Thread.objects.create(
        conversation=conversation,
        type=new.type,
        status=status,
        state=new.state,
        body=body_sanitise(new.body),
        source_type=conversation.source_type,
        source_via=Conversation.LastReplyFrom.CUSTOMER if from_customer else Conversation.LastReplyFrom.USER,
        customer=customer,
        created_by_user=None if from_customer else new.user,
        created_by_customer=customer if from_customer else None,
        assigned_to=conversation.assignee,
        to=_addresses(new.to, "to"),
        cc=_addresses(new.cc, "cc"),
        bcc=_addresses(new.bcc, "bcc"),
        message_id=new.message_id.strip().strip("<>"),
        headers=new.headers,
        first=is_message
        and not conversation.threads.exclude(type__in=[Thread.Type.NOTE, Thread.Type.LINEITEM]).exists(),
        imported=imported,
        created_at=at,
        updated_at=at,
    )
    for attachment in new.attachments:
        _attachment_add(thread=thread, attachment=attachment)
    if new.state == Thread.State.PUBLISHED and is_message:
        conversation.threads_count += 1
        conversation.preview = text_preview(thread.body)
        if conversation.last_reply_at is None or at >= conversation.last_reply_at:
            conversation.last_reply_at = at
            conversation.last_reply_from = thread.source_via
    return thread


def _attachment_add(*, thread: Thread, attachment: NewAttachment) -> Attachment:
    name = (attachment.file_name or "").replace("/", "_").replace("\\", "_").strip() or "attachment"
    row = Attachment(
        thread=thread,
        file_name=name[:255],
        mime_type=attachment.mime_type or "application/octet-stream",
        size=len(attachment.content),
        content_id=attachment.content_id,
        inline=bool(attachment.content_id),
    )
    # Files are written last, after every check of the request has passed (see ``_thread_validate``).
    row.file.save(name[:100], ContentFile(attachment.content), save=False)
    row.save()
    return row


@transaction.atomic
def conversation_create(
    *,
    mailbox: Mailbox,
    subject: str,
    customer: Customer,
    threads: Sequence[NewThread],
    type: str = Conversation.Type.EMAIL,
    status: str = Status.ACTIVE,
    state: str = Conversation.State.PUBLISHED,
    assignee: User | None = None,
    customer_email: str = "",
    source_type: str = SourceType.EMAIL,
    imported: bool = False,
    created_at: datetime | None = None,
    closed_at: datetime | None = None,
) -> Conversation:
    """Creates a conversation with its threads, given oldest first. The first thread decides who
    created it (an agent for message/note threads, else the customer)."""
    if not threads:
        raise ValidationError({"threads": "A conversation needs at least one thread."})
    if type not in Conversation.Type.values:
        raise ValidationError({"type": f"Unknown conversation type {type!r}."})
    if state not in (Conversation.State.DRAFT, Conversation.State.PUBLISHED):
        raise ValidationError({"state": f"Unknown state {state!r}."})
    if assignee is not None:
        _check_access(user=assignee, mailbox=mailbox, argument="assignee")
    for new in threads:
        _thread_author(Conversation(customer=customer), new)
    at = created_at or timezone.now()
    first = threads[0]
    by_user = first.user if first.type != Thread.Type.CUSTOMER else None
    if not customer_email:
        customer_email = customer.emails.values_list("email", flat=True).first() or ""
    conversation = Conversation(
        number=counter_next(name="conversation_number"),
        type=type,
        state=state,
        subject=(subject or "").strip(),
        mailbox=mailbox,
        assignee=assignee,
        customer=customer,
        customer_email=customer_email,
        cc=_addresses(first.cc, "cc"),
        bcc=_addresses(first.bcc, "bcc"),
        created_by_user=by_user,
        created_by_customer=None if by_user else customer,
        source_type=source_type,
        source_via=Conversation.LastReplyFrom.USER if by_user else Conversation.LastReplyFrom.CUSTOMER,
        imported=imported,
        created_at=at,
    )
    _set_status(conversation, status=status, by_user=by_user, at=closed_at if imported and closed_at else at)
    _save(conversation, by_user=by_user, at=at)
    for new in threads:
        thread_at = new.created_at if (imported and new.created_at) else at
        _thread_insert(conversation, new, status=status, imported=imported, at=thread_at)
    _save(conversation, by_user=by_user, at=at)
    # Only convo.created: the initial threads are part of it.
    event_emit(event=Event.CONVO_CREATED, conversation=conversation)
    return conversation


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
) -> Thread:
    """Adds a reply or note. Without ``status``, a customer reply makes the conversation active (and
    takes it out of Deleted), an agent reply makes it pending, and a note leaves it as it is."""
    conversation = _locked(conversation)
    at = thread.created_at if (imported and thread.created_at) else timezone.now()
    by_user = thread.user if thread.type != Thread.Type.CUSTOMER else None
    published = thread.state == Thread.State.PUBLISHED
    if published and thread.type == Thread.Type.CUSTOMER and conversation.state == Conversation.State.DELETED:
        conversation.state = Conversation.State.PUBLISHED
    status_given = status is not None
    if status is None and published:
        status = {Thread.Type.CUSTOMER: Status.ACTIVE, Thread.Type.MESSAGE: Status.PENDING}.get(thread.type)
    status_changed = status is not None and status != conversation.status
    if status_changed:
        _set_status(conversation, status=status, by_user=by_user, at=at)
    new = _thread_insert(conversation, thread, status=status or Thread.Status.NOCHANGE, imported=imported, at=at)
    _save(conversation, by_user=by_user, at=at)
    if published:
        event_emit(event=_reply_event(new), conversation=conversation)
        # A status a reply implies is part of the reply; only one the client asked for is its own event.
        if status_given and status_changed:
            event_emit(event=Event.CONVO_STATUS, conversation=conversation)
    return new


@transaction.atomic
def conversation_change_status(*, conversation: Conversation, status: str, by_user: User | None) -> Conversation:
    conversation = _locked(conversation)
    if status == conversation.status:
        return conversation
    at = timezone.now()
    _set_status(conversation, status=status, by_user=by_user, at=at)
    _line_item(conversation, action=Thread.Action.CHANGED_STATUS, by_user=by_user, at=at, status=status)
    _save(conversation, by_user=by_user, at=at)
    event_emit(event=Event.CONVO_STATUS, conversation=conversation)
    return conversation


@transaction.atomic
def conversation_assign(*, conversation: Conversation, assignee: User | None, by_user: User | None) -> Conversation:
    """Assigns to ``assignee`` (who needs access to the mailbox), or unassigns with None."""
    conversation = _locked(conversation)
    if assignee == conversation.assignee:
        return conversation
    if assignee is not None:
        _check_access(user=assignee, mailbox=conversation.mailbox, argument="assignee")
    at = timezone.now()
    conversation.assignee = assignee
    _line_item(
        conversation,
        action=Thread.Action.CHANGED_ASSIGNEE,
        by_user=by_user,
        at=at,
        assignee_id=assignee and assignee.pk,
    )
    _save(conversation, by_user=by_user, at=at)
    if assignee is not None:  # unassigning fires nothing
        event_emit(event=Event.CONVO_ASSIGNED, conversation=conversation)
    return conversation


@transaction.atomic
def conversation_move(*, conversation: Conversation, mailbox: Mailbox, by_user: User | None) -> Conversation:
    """Moves to another mailbox; an assignee without access there is unassigned."""
    conversation = _locked(conversation)
    if mailbox.pk == conversation.mailbox_id:
        return conversation
    at = timezone.now()
    from_mailbox_id = conversation.mailbox_id
    conversation.mailbox = mailbox
    if conversation.assignee is not None and not mailbox_accessible_by(
        user=conversation.assignee, mailbox_id=mailbox.pk
    ):
        conversation.assignee = None
    _line_item(
        conversation,
        action=Thread.Action.MOVED_FROM_MAILBOX,
        by_user=by_user,
        at=at,
        from_mailbox_id=from_mailbox_id,
        from_mailbox_name=Mailbox.objects.filter(pk=from_mailbox_id).values_list("name", flat=True).first(),
    )
    _save(conversation, by_user=by_user, at=at)
    event_emit(event=Event.CONVO_MOVED, conversation=conversation)
    return conversation


@transaction.atomic
def conversation_change_customer(
    *, conversation: Conversation, customer: Customer, by_user: User | None
) -> Conversation:
    conversation = _locked(conversation)
    if customer.pk == conversation.customer_id:
        return conversation
    at = timezone.now()
    conversation.customer = customer
    conversation.customer_email = customer.emails.values_list("email", flat=True).first() or ""
    _line_item(
        conversation,
        action=Thread.Action.CHANGED_CUSTOMER,
        by_user=by_user,
        at=at,
        customer_id=customer.pk,
        customer_name=customer.get_full_name() or conversation.customer_email,
    )
    _save(conversation, by_user=by_user, at=at)
    return conversation


@transaction.atomic
def conversation_change_subject(*, conversation: Conversation, subject: str, by_user: User | None) -> Conversation:
    conversation = _locked(conversation)
    conversation.subject = (subject or "").strip()
    _save(conversation, by_user=by_user)
    return conversation


@transaction.atomic
def conversation_update(
    *, conversation: Conversation, by_user: User | None, changes: Sequence[tuple[str, object]]
) -> Conversation:
    """Applies ``changes`` in the order given, all or nothing: ("status", str), ("assignee", User | None),
    ("mailbox", Mailbox), ("customer", Customer), ("subject", str)."""
    appliers = {
        "status": lambda c, value: conversation_change_status(conversation=c, status=value, by_user=by_user),
        "assignee": lambda c, value: conversation_assign(conversation=c, assignee=value, by_user=by_user),
        "mailbox": lambda c, value: conversation_move(conversation=c, mailbox=value, by_user=by_user),
        "customer": lambda c, value: conversation_change_customer(conversation=c, customer=value, by_user=by_user),
        "subject": lambda c, value: conversation_change_subject(conversation=c, subject=value, by_user=by_user),
    }
    for name, value in changes:
        conversation = appliers[name](conversation, value)
    return conversation


@transaction.atomic
def conversation_delete(*, conversation: Conversation, by_user: User | None) -> Conversation:
    """Moves to the Deleted folder (restorable)."""
    conversation = _locked(conversation)
    if conversation.state == Conversation.State.DELETED:
        return conversation
    at = timezone.now()
    conversation.state = Conversation.State.DELETED
    _line_item(conversation, action=Thread.Action.DELETED, by_user=by_user, at=at)
    _save(conversation, by_user=by_user, at=at)
    event_emit(event=Event.CONVO_DELETED, conversation=conversation)
    return conversation


@transaction.atomic
def conversation_restore(*, conversation: Conversation, by_user: User | None) -> Conversation:
    conversation = _locked(conversation)
    if conversation.state != Conversation.State.DELETED:
        return conversation
    at = timezone.now()
    conversation.state = Conversation.State.PUBLISHED
    _line_item(conversation, action=Thread.Action.RESTORED, by_user=by_user, at=at)
    _save(conversation, by_user=by_user, at=at)
    event_emit(event=Event.CONVO_RESTORED, conversation=conversation)
    return conversation


@transaction.atomic
def conversation_delete_forever(*, conversation: Conversation) -> None:
    """Erases the conversation with its threads and attachments; the files go once the transaction commits."""
    files = [(a.file.storage, a.file.name) for a in Attachment.objects.filter(thread__conversation=conversation)]
    # The body describes the conversation as it was, so it is built before the rows go.
    event_emit(event=Event.CONVO_DELETED_FOREVER, conversation=conversation)
    conversation.delete()
    for storage, name in files:
        transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))


@transaction.atomic
def conversation_star(*, conversation: Conversation, user: User, starred: bool = True) -> None:
    if starred:
        ConversationStar.objects.get_or_create(conversation=conversation, user=user)
    else:
        ConversationStar.objects.filter(conversation=conversation, user=user).delete()


def tag_name_normalise(name: str) -> str:
    return " ".join(str(name).split()).lower()[:100]


@transaction.atomic
def conversation_tags_set(*, conversation: Conversation, names: Iterable[str]) -> list[Tag]:
    """Makes ``names`` the conversation's whole tag list, creating unknown tags."""
    wanted = list(dict.fromkeys(n for n in (tag_name_normalise(name) for name in names) if n))
    tags = []
    for name in wanted:
        tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
        tags.append(tag)
    ConversationTag.objects.filter(conversation=conversation).exclude(tag__in=tags).delete()
    existing = set(ConversationTag.objects.filter(conversation=conversation).values_list("tag_id", flat=True))
    ConversationTag.objects.bulk_create(
        [ConversationTag(conversation=conversation, tag=tag) for tag in tags if tag.pk not in existing]
    )
    return tags


@transaction.atomic
def conversation_custom_fields_set(*, conversation: Conversation, values: dict[int, object]) -> None:
    """``{field id: value}``; an empty value clears the field. Fields must belong to the conversation's mailbox."""
    fields = {f.pk: f for f in CustomField.objects.filter(mailbox_id=conversation.mailbox_id, pk__in=list(values))}
    for field_id, value in values.items():
        custom_field = fields.get(field_id)
        if custom_field is None:
            raise ValidationError({str(field_id): "No such custom field in this mailbox."})
        try:
            text = custom_field.value_clean(value)
        except ValidationError as error:
            raise ValidationError({str(field_id): error.messages}) from None
        CustomFieldValue.objects.filter(conversation=conversation, field=custom_field).delete()
        if text != "":
            CustomFieldValue.objects.create(conversation=conversation, field=custom_field, value=text)
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=timezone.now())


def _timelog_elapsed(timelog: Timelog, at: datetime) -> int:
    if timelog.running_since is None:
        return timelog.time_spent
    return timelog.time_spent + max(0, int((at - timelog.running_since).total_seconds()))


@transaction.atomic
def timelog_start(*, conversation: Conversation, user: User) -> Timelog:
    """Starts (or resumes) the user's timer on the conversation."""
    at = timezone.now()
    timelog = Timelog.objects.select_for_update().filter(conversation=conversation, user=user, finished=False).first()
    if timelog is None:
        return Timelog.objects.create(
            conversation=conversation,
            user=user,
            conversation_status=conversation.status,
            running_since=at,
            created_at=at,
            updated_at=at,
        )
    if timelog.running_since is None:
        timelog.running_since, timelog.paused, timelog.updated_at = at, False, at
        timelog.save()
    return timelog


@transaction.atomic
def timelog_record(*, conversation: Conversation, user: User, seconds: int, at: datetime | None = None) -> Timelog:
    """Records time already spent, as a finished timelog."""
    if seconds < 0:
        raise ValidationError({"seconds": "Time spent cannot be negative."})
    at = at or timezone.now()
    return Timelog.objects.create(
        conversation=conversation,
        user=user,
        conversation_status=conversation.status,
        time_spent=seconds,
        finished=True,
        created_at=at,
        updated_at=at,
    )


@transaction.atomic
def timelog_stop(*, timelog: Timelog, finish: bool = True) -> Timelog:
    """Pauses the timer (``finish=False``) or finishes it; the running time is added to ``time_spent``."""
    timelog = Timelog.objects.select_for_update().get(pk=timelog.pk)
    if timelog.finished:
        return timelog
    at = timezone.now()
    timelog.time_spent = _timelog_elapsed(timelog, at)
    timelog.running_since = None
    timelog.paused = not finish
    timelog.finished = finish
    timelog.updated_at = at
    timelog.save()
    return timelog
