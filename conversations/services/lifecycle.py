"""Creating conversations and changing them: status, assignee, mailbox, customer, subject, deletion, stars."""

from collections.abc import Sequence
from datetime import datetime
from functools import partial

from django.db import transaction
from django.utils import timezone

from conversations.mail.outgoing import mail_conversation_assigned, mail_conversation_created
from conversations.models import (
    Attachment,
    Conversation,
    ConversationStar,
    SourceType,
    Status,
    Thread,
)
from conversations.services.common import _addresses, _check_access, _line_item, _locked, _save, _set_status
from conversations.services.labels import conversation_custom_fields_set
from conversations.services.threads import NewThread, _thread_author, _thread_insert, note_create
from customers.models import Customer
from helpdesk.errors import Invalid, fields_under
from helpdesk.models import User
from helpdesk.services import counter_next
from mailboxes.models import Mailbox
from mailboxes.selectors import mailbox_accessible_by
from reports.services import figures_conversation_created, figures_conversation_refresh
from webhooks.models import Event
from webhooks.services import event_emit


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
    custom_fields: Sequence[tuple[int, object]] = (),
) -> Conversation:
    """Creates a conversation with its threads, given oldest first, and its custom field values. The
    first thread decides who created it (an agent for message/note threads, else the customer). A
    thread's errors are named under its index here, ``threads[1].user``."""
    if not threads:
        raise Invalid({"threads": "A conversation needs at least one thread."})
    if type not in Conversation.Type.values:
        raise Invalid({"type": f"Unknown conversation type {type!r}."})
    if state not in (Conversation.State.DRAFT, Conversation.State.PUBLISHED):
        raise Invalid({"state": f"Unknown state {state!r}."})
    if assignee is not None:
        _check_access(user=assignee, mailbox=mailbox, argument="assignee")
    for index, new in enumerate(threads):
        with fields_under(f"threads[{index}]"):
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
    # Inserted first (the threads point at it), its report figures derived once, from the final row.
    _save(conversation, by_user=by_user, at=at, figures=False)
    created: list[Thread] = []
    for new in threads:
        thread_at = new.created_at if (imported and new.created_at) else at
        earlier = any(t.type not in (Thread.Type.NOTE, Thread.Type.LINEITEM) for t in created)
        created.append(
            _thread_insert(conversation, new, status=status, imported=imported, at=thread_at, earlier_message=earlier)
        )
    _save(conversation, by_user=by_user, at=at, figures=False)
    figures_conversation_created(conversation=conversation, threads=created)
    if custom_fields:
        conversation_custom_fields_set(conversation=conversation, values=custom_fields)
    # Only convo.created, its body the conversation as created: threads and custom field values included.
    event_emit(event=Event.CONVO_CREATED, conversation=conversation)
    mail_conversation_created(conversation=conversation, threads=created, imported=imported)
    return conversation


@transaction.atomic
def conversation_change_status(
    *,
    conversation: Conversation,
    status: str,
    by_user: User | None,
    acknowledge: bool = False,
    restore: bool = False,
    note: str = "",
) -> Conversation:
    """With ``acknowledge``, also records that an agent took the conversation up (``acknowledged_at``), as
    setting LiveAgent's Open does: that alone, with the status unchanged, saves no line item and no event.
    With ``restore``, a conversation in Deleted is restored first (LiveAgent counts Deleted among the
    statuses, so setting another one leaves it). ``note`` (HTML; "" for none) is then added as a note by
    ``by_user`` (None: System), even when nothing else changed."""
    if restore:
        conversation = conversation_restore(conversation=conversation, by_user=by_user)
    conversation = _status_set(conversation=conversation, status=status, by_user=by_user, acknowledge=acknowledge)
    if note.strip():
        note_create(conversation=conversation, body=note, by_user=by_user)
    return conversation


def _status_set(*, conversation: Conversation, status: str, by_user: User | None, acknowledge: bool) -> Conversation:
    conversation = _locked(conversation)
    acknowledging = acknowledge and conversation.acknowledged_at is None
    if status == conversation.status and not acknowledging:
        return conversation
    at = timezone.now()
    if acknowledging:
        conversation.acknowledged_at = at
    if status == conversation.status:
        _save(conversation, by_user=by_user, at=at)
        return conversation
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
        mail_conversation_assigned(conversation=conversation, by_user=by_user)
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
def conversation_delete(*, conversation: Conversation, by_user: User | None, note: str = "") -> Conversation:
    """Moves to the Deleted folder (restorable). ``note`` (HTML; "" for none) is then added as a note by
    ``by_user`` (None: System), as LiveAgent's delete takes one; also when it was in Deleted already."""
    conversation = _locked(conversation)
    if conversation.state != Conversation.State.DELETED:
        at = timezone.now()
        conversation.state = Conversation.State.DELETED
        _line_item(conversation, action=Thread.Action.DELETED, by_user=by_user, at=at)
        _save(conversation, by_user=by_user, at=at)
        event_emit(event=Event.CONVO_DELETED, conversation=conversation)
    if note.strip():
        note_create(conversation=conversation, body=note, by_user=by_user)
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
    conversation_id = conversation.pk
    conversation.delete()
    figures_conversation_refresh(conversation_id=conversation_id)
    for storage, name in files:
        transaction.on_commit(partial(storage.delete, name))


@transaction.atomic
def conversation_star(*, conversation: Conversation, user: User, starred: bool = True) -> None:
    if starred:
        ConversationStar.objects.get_or_create(conversation=conversation, user=user)
    else:
        ConversationStar.objects.filter(conversation=conversation, user=user).delete()


@transaction.atomic
def conversation_transfer(
    *,
    conversation: Conversation,
    mailbox: Mailbox | None = None,
    assignee: User | None = None,
    by_user: User | None,
    note: str = "",
) -> Conversation:
    """LiveAgent's transfer: moves to ``mailbox``, then assigns to ``assignee`` (who needs access to the
    mailbox it ends in: ``Invalid`` at ``assignee``), then adds ``note`` (HTML; "" for none) as a note by
    ``by_user`` (None: System). Each part is its own change with its own event."""
    if mailbox is not None:
        conversation = conversation_move(conversation=conversation, mailbox=mailbox, by_user=by_user)
    if assignee is not None:
        conversation = conversation_assign(conversation=conversation, assignee=assignee, by_user=by_user)
    if note.strip():
        note_create(conversation=conversation, body=note, by_user=by_user)
    return conversation
