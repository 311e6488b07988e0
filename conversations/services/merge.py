"""Merging two conversations of one mailbox into one (issue 19, item 6), and changing a conversation's
customer from the agent UI.

A merge moves everything the absorbed conversation holds to the survivor: its threads (with their files,
drafts included) keep their times, so the survivor's timeline interleaves them in time order; its tags, its
custom-field values for fields the survivor has no value for, its stars (the per-agent followers FreeScout
calls "starred"), and its timelogs. The survivor's derived columns (threads count, preview, last reply,
acknowledgement, the first message) are computed again from the threads it now holds. Its assignee, subject
and customer stay, and its status too, unless the newest message is the absorbed (active) one's customer's:
then it is active, as that message made the absorbed one. The absorbed conversation goes to Deleted with a
``merged`` line item naming the survivor, keeps ``merged_into`` (which every entry point follows) and fires
``convo.deleted``; the survivor gets a ``merged`` line item naming it and fires no webhook of its own (the
FreeScout module has no merge event). Reports follow through ``_save``'s refresh of both conversations, the
tally through its triggers.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from conversations.models import (
    Conversation,
    ConversationStar,
    ConversationTag,
    CustomFieldValue,
    DelayedReply,
    Status,
    Thread,
    Timelog,
)
from conversations.services.common import _check_access, _line_item, _save, _set_status, text_preview
from conversations.services.lifecycle import conversation_change_customer
from conversations.services.timelogs import timelog_stop
from customers.models import Customer
from customers.services import customer_get_or_create_by_email
from helpdesk.errors import Conflict, Invalid, NotFound
from helpdesk.models import User
from helpdesk.outbox import OutboxStatus
from webhooks.models import Event
from webhooks.services import event_emit

# A chain only grows when a merge commits between our read and our lock; more than this is no honest race.
LOCK_ATTEMPTS = 3


def _survivors_locked(first_id: int, second_id: int) -> tuple[Conversation, Conversation]:
    """The conversations these ids live on as (merged ones lead to their survivor), locked until the
    transaction ends. Always locked in id order, so two merges of the same pair (either way round) queue
    rather than deadlock; a merge that committed while we waited is seen after the lock, and followed."""
    wanted = {first_id, second_id}
    for _ in range(LOCK_ATTEMPTS):
        locked = {c.pk: c for c in Conversation.objects.select_for_update().filter(pk__in=wanted).order_by("pk")}
        if first_id not in locked or second_id not in locked:
            raise NotFound("No such conversation.")
        roots = [locked[pk].merged_into_id or pk for pk in (first_id, second_id)]
        if all(root in locked for root in roots):
            return locked[roots[0]], locked[roots[1]]
        wanted |= set(roots)
    raise Conflict({"absorbed": "The conversations are being merged by someone else; try again."})


@transaction.atomic
def conversation_merge(
    *, survivor: Conversation, absorbed: Conversation, by_user: User | None, now: datetime | None = None
) -> Conversation:
    """Merges ``absorbed`` into ``survivor`` and returns the survivor. Either may have been merged before:
    each stands for the conversation it was merged into. Merging two that are one already changes nothing.
    ``Invalid`` at ``absorbed`` for the same conversation twice or one of another mailbox, at either for a
    draft, at ``survivor`` when it is in Deleted; ``by_user`` needs access to the mailbox."""
    if survivor.pk == absorbed.pk:
        raise Invalid({"absorbed": "A conversation cannot be merged with itself."})
    survivor, absorbed = _survivors_locked(survivor.pk, absorbed.pk)
    if survivor.pk == absorbed.pk:
        return survivor
    if survivor.mailbox_id != absorbed.mailbox_id:
        raise Invalid({"absorbed": f"#{absorbed.number} is in another mailbox; move it here first."})
    for conversation, argument in ((survivor, "survivor"), (absorbed, "absorbed")):
        if conversation.state == Conversation.State.DRAFT:
            raise Invalid({argument: f"#{conversation.number} is a draft."})
    if survivor.state == Conversation.State.DELETED:
        raise Invalid({"survivor": f"#{survivor.number} is in Deleted; restore it first."})
    if by_user is not None:
        _check_access(user=by_user, mailbox=survivor.mailbox, argument="by_user")
    at = now or timezone.now()

    _contents_move(survivor=survivor, absorbed=absorbed)
    _derived_recompute(survivor, absorbed)
    if (
        absorbed.status == Status.ACTIVE
        and survivor.status in (Status.PENDING, Status.CLOSED)
        and survivor.last_reply_from == Conversation.LastReplyFrom.CUSTOMER
    ):
        # The customer waits on a message that came with the absorbed one: active, as their reply would make
        # it (a status a message implies fires no convo.status).
        _set_status(survivor, status=Status.ACTIVE, by_user=by_user, at=at)
    _line_item(
        survivor, action=Thread.Action.MERGED, by_user=by_user, at=at, from_id=absorbed.pk, from_number=absorbed.number
    )
    _save(survivor, by_user=by_user, at=at)

    was_deleted = absorbed.state == Conversation.State.DELETED
    absorbed.state = Conversation.State.DELETED
    absorbed.merged_into = survivor
    absorbed.threads_count, absorbed.preview = 0, ""
    _line_item(
        absorbed, action=Thread.Action.MERGED, by_user=by_user, at=at, into_id=survivor.pk, into_number=survivor.number
    )
    _save(absorbed, by_user=by_user, at=at)
    # Those merged into the absorbed one earlier now lead straight to the survivor: never a chain to follow.
    Conversation.objects.filter(merged_into=absorbed).update(merged_into=survivor)
    if not was_deleted:
        event_emit(event=Event.CONVO_DELETED, conversation=absorbed)
    return survivor


def _contents_move(*, survivor: Conversation, absorbed: Conversation) -> None:
    Thread.objects.filter(conversation=absorbed).update(conversation=survivor)
    # Rows the survivor has already (a tag, a star, a value of the field) stay behind; the rest move.
    tags = ConversationTag.objects.filter(conversation=survivor).values("tag_id")
    ConversationTag.objects.filter(conversation=absorbed).exclude(tag_id__in=tags).update(conversation=survivor)
    ConversationTag.objects.filter(conversation=absorbed).delete()
    stars = ConversationStar.objects.filter(conversation=survivor).values("user_id")
    ConversationStar.objects.filter(conversation=absorbed).exclude(user_id__in=stars).update(conversation=survivor)
    # Left behind, a star would keep showing the absorbed conversation in its agent's Starred view.
    ConversationStar.objects.filter(conversation=absorbed).delete()
    # The survivor's own value of a field wins (FreeScout shows one value per field); the absorbed one's
    # values stay with it, in Deleted, rather than being thrown away.
    fields = CustomFieldValue.objects.filter(conversation=survivor).values("field_id")
    CustomFieldValue.objects.filter(conversation=absorbed).exclude(field_id__in=fields).update(conversation=survivor)
    # One open timer per agent and conversation: the absorbed one's stops where the agent runs one already.
    running = Timelog.objects.filter(conversation=survivor, finished=False).values("user_id")
    for timelog in Timelog.objects.filter(conversation=absorbed, finished=False, user_id__in=running):
        timelog_stop(timelog=timelog, finish=True)
    Timelog.objects.filter(conversation=absorbed).update(conversation=survivor)
    # Replies waiting out their undo window go out in the survivor. One a worker is publishing this instant
    # (its row locked, waiting for our conversation lock) is skipped rather than waited for: waiting would
    # deadlock with it; it then finds the conversation merged and goes back to its author's draft.
    waiting = DelayedReply.objects.select_for_update(skip_locked=True).filter(
        conversation=absorbed, status=OutboxStatus.PENDING
    )
    DelayedReply.objects.filter(pk__in=list(waiting.values_list("pk", flat=True))).update(conversation=survivor)
    survivor.cc = list(dict.fromkeys([*survivor.cc, *absorbed.cc]))
    survivor.bcc = list(dict.fromkeys([*survivor.bcc, *absorbed.bcc]))


def _derived_recompute(survivor: Conversation, absorbed: Conversation) -> None:
    """What ``thread_create`` keeps up thread by thread, derived at once from all the survivor's threads."""
    messages = list(
        survivor.threads.filter(state=Thread.State.PUBLISHED, type__in=Thread.MESSAGE_TYPES)
        .order_by("created_at", "id")
        .values_list("pk", "created_at", "source_via", "body")
    )
    survivor.threads_count = len(messages)
    if messages:
        _, survivor.last_reply_at, survivor.last_reply_from, body = messages[-1]
        survivor.preview = text_preview(body)
    acknowledged = [at for at in (survivor.acknowledged_at, absorbed.acknowledged_at) if at is not None]
    survivor.acknowledged_at = min(acknowledged, default=None)
    # One first message: the earliest (emails of a first message go out without "Re:").
    firsts = survivor.threads.filter(first=True).order_by("created_at", "id").values_list("pk", flat=True)
    earliest = firsts.first()
    if earliest is not None:
        survivor.threads.filter(first=True).exclude(pk=earliest).update(first=False)


@transaction.atomic
def conversation_customer_change(
    *,
    conversation: Conversation,
    by_user: User | None,
    customer: Customer | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
) -> Conversation:
    """Makes ``customer``, or else the customer owning ``email`` (created with the names when nobody owns
    it, which fires ``customer.created``), the conversation's customer through
    ``conversation_change_customer`` (a line item; no webhook: the FreeScout module has no event for it)."""
    if customer is None:
        if not email.strip():
            raise Invalid({"email": "Choose a customer or enter an email address."})
        customer, _ = customer_get_or_create_by_email(email=email, first_name=first_name, last_name=last_name)
    return conversation_change_customer(conversation=conversation, customer=customer, by_user=by_user)
