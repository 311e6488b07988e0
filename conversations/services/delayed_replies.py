"""Undo send (issue 19, item 2): a reply sent from the agent UI waits ``HELPDESK_UNDO_SEND_SECONDS`` as a
``DelayedReply`` row before it becomes a thread, so that its author can take it back.

Until it is published it is no thread: neither API lists it, no report or tally counts it, no webhook or
email leaves, and the status chosen with it is not applied; only its author's conversation page shows it
("Sending in 8 s… Undo"). Publishing is ``thread_create``, the very call an immediate reply makes, so the
webhooks, the email, the reports and the status change follow once, as they would have.

Delivery follows the outbox protocol (``helpdesk.outbox``): the row is written with its due time in
``next_attempt_at``; the task queued on commit with that countdown and beat's sweep both claim it before
publishing, and the publishing transaction re-reads it locked, so a worker restarted inside the window still
publishes it, once. Undo locks the same row: whichever commits first wins, and the other finds it gone or
published. The API's own ``POST …/threads`` never comes here: it publishes at once.

Files travel as attachments on no thread yet (as the LiveAgent API's uploaded files do), adopted by the
thread when it is published; an undone reply's files are deleted (after commit, so a rollback keeps them)
and the agent attaches them again."""

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from conversations.models import Attachment, Conversation, DelayedReply, Thread
from conversations.selectors import thread_draft_of
from conversations.services.common import _addresses, _locked, body_sanitise
from conversations.services.drafts import thread_draft_save
from conversations.services.threads import NewThread, _attachment_add, _thread_author, thread_create
from helpdesk.errors import Conflict, NotFound
from helpdesk.models import User
from helpdesk.outbox import OutboxStatus, outbox_enqueue_on_commit, outbox_finish

logger = logging.getLogger(__name__)

# Published rows answer a late Undo with "already sent" this long, then the sweep deletes them.
FINISHED_KEPT = timedelta(days=1)


@dataclass(frozen=True)
class UndoneReply:
    """What an undone reply gives back to the composer."""

    type: str
    body: str
    status: str
    to: list[str]
    cc: list[str]
    bcc: list[str]
    # The names of its files, deleted with it: the agent attaches them again.
    removed_files: list[str]


def reply_send(
    *,
    conversation: Conversation,
    thread: NewThread,
    status: str | None,
    draft: Thread | None,
    undo_seconds: float,
) -> Thread | DelayedReply:
    """The agent UI's Send: a reply to the customer waits ``undo_seconds`` (``delayed_reply_create``);
    a note, or any thread when the window is 0, is published at once (``thread_create``)."""
    if undo_seconds <= 0 or thread.type != Thread.Type.MESSAGE:
        return thread_create(conversation=conversation, thread=thread, status=status, draft=draft)
    return delayed_reply_create(
        conversation=conversation, thread=thread, status=status, draft=draft, undo_seconds=undo_seconds
    )


@transaction.atomic
def delayed_reply_create(
    *,
    conversation: Conversation,
    thread: NewThread,
    status: str | None,
    draft: Thread | None,
    undo_seconds: float,
) -> DelayedReply:
    """Keeps ``thread`` (an agent's reply, ``thread.user`` its author) to be published in ``undo_seconds``,
    checked now as ``thread_create`` would check it, so that the agent sees a refusal at once. ``draft``
    (the author's draft the composer held) is consumed: its files go with the reply and the row is deleted,
    so that the page does not open with the sent text in the composer again."""
    from conversations.tasks import delayed_reply_publish

    conversation = _locked(conversation)
    if thread.user is None:
        raise ValueError("A delayed reply needs its author (thread.user).")
    # Before any file is written: what thread_create would refuse at publishing is refused now.
    _thread_author(conversation, thread)
    tokens = list(thread.attachment_tokens)
    for attachment in thread.attachments:
        tokens.append(_attachment_add(thread=None, attachment=attachment).token)
    if draft is not None:
        draft = (
            Thread.objects.select_for_update()
            .filter(pk=draft.pk, conversation=conversation, state=Thread.State.DRAFT)
            .first()
        )
    if draft is not None:
        draft_files = Attachment.objects.filter(thread=draft)
        tokens.extend(draft_files.values_list("token", flat=True))
        draft_files.update(thread=None)
        draft.delete()
    # Files on no thread are their uploader's alone until a thread takes them (``Attachment.uploaded_by``).
    Attachment.objects.filter(token__in=tokens).update(uploaded_by=thread.user)
    now = timezone.now()
    reply = DelayedReply.objects.create(
        conversation=conversation,
        user=thread.user,
        type=thread.type,
        body=body_sanitise(thread.body),
        to=_addresses(thread.to, "to"),
        cc=_addresses(thread.cc, "cc"),
        bcc=_addresses(thread.bcc, "bcc"),
        attachment_tokens=tokens,
        conversation_status=status or "",
        next_attempt_at=now + timedelta(seconds=undo_seconds),
        created_at=now,
    )
    outbox_enqueue_on_commit(delayed_reply_publish, reply.pk, countdown=undo_seconds)
    return reply


def delayed_reply_publish_claimed(reply: DelayedReply) -> Thread | None:
    """Publishes a row the caller has claimed (``outbox_claim``): the thread, its email and its events, and
    the row marked published, in one transaction. None when it is no longer the caller's to publish (undone
    meanwhile, or claimed again after the caller's lease ran out). A reply the services refuse now (its
    conversation deleted for good takes the row with it; a file purged meanwhile) is not retried: its text
    goes back to its author's draft, so nothing written is lost. Anything else raises, and is retried."""
    with transaction.atomic():
        current = (
            # The row alone: its conversation is locked by thread_create, in the order every writer takes.
            DelayedReply.objects.select_for_update(of=("self",))
            .select_related("conversation", "user")
            .filter(pk=reply.pk, status=OutboxStatus.PENDING, locked_until=reply.locked_until)
            .first()
        )
        if current is None:
            return None
        new = NewThread(
            type=current.type,
            body=current.body,
            user=current.user,
            to=current.to,
            cc=current.cc,
            bcc=current.bcc,
            attachment_tokens=current.attachment_tokens,
        )
        try:
            thread = thread_create(
                conversation=current.conversation, thread=new, status=current.conversation_status or None
            )
        except (ValidationError, NotFound) as error:
            _give_up(current, error=str(error), give_up=True)
            logger.warning("Delayed reply %s refused, kept as its author's draft: %s", current.pk, error)
            return None
        current.thread = thread
        current.save(update_fields=["thread"])
        outbox_finish(current, succeeded=True)
        return thread


@transaction.atomic
def delayed_reply_attempt_failed(*, reply: DelayedReply, error: str) -> timedelta | None:
    """Records a claimed row's publishing that raised: retried after the returned delay (the outbox's
    schedule), or given up when the schedule is spent, its text then back in its author's draft."""
    return _give_up(reply, error=error, give_up=False)


def _give_up(reply: DelayedReply, *, error: str, give_up: bool) -> timedelta | None:
    delay = outbox_finish(reply, succeeded=False, give_up=give_up)
    DelayedReply.objects.filter(pk=reply.pk).update(last_error=error[:500])
    if reply.status == OutboxStatus.FAILED:
        _draft_restore(reply)
    return delay


@transaction.atomic
def delayed_reply_undo(*, reply_id: int, user: User) -> UndoneReply:
    """Takes back ``user``'s reply before it is published: the row is deleted, its text becomes the
    author's draft again (before any draft they started meanwhile) and is returned for the composer.
    ``NotFound`` for a reply that is not ``user``'s (or undone already); ``Conflict`` once it is published
    (or refused, when its text is already back in the draft)."""
    reply = DelayedReply.objects.select_for_update().filter(pk=reply_id, user=user).first()
    if reply is None:
        raise NotFound("No such reply waiting to be sent.")
    if reply.status == OutboxStatus.SUCCEEDED:
        raise Conflict({"reply": "This reply has already been sent."})
    if reply.status == OutboxStatus.FAILED:
        raise Conflict({"reply": "This reply could not be sent; its text is back in your draft."})
    _draft_restore(reply)
    files = list(Attachment.objects.filter(token__in=reply.attachment_tokens, thread__isnull=True))
    for attachment in files:
        transaction.on_commit(partial(attachment.file.storage.delete, attachment.file.name), robust=True)
    Attachment.objects.filter(pk__in=[a.pk for a in files]).delete()
    reply.delete()
    return UndoneReply(
        type=reply.type,
        body=reply.body,
        status=reply.conversation_status,
        to=list(reply.to),
        cc=list(reply.cc),
        bcc=list(reply.bcc),
        removed_files=[a.file_name for a in files],
    )


def _draft_restore(reply: DelayedReply) -> None:
    """The reply's text and recipients as its author's draft, the text first, above a draft they began
    after sending."""
    draft = thread_draft_of(conversation_id=reply.conversation_id, user=reply.user)
    body = reply.body + (draft.body if draft is not None else "")
    thread_draft_save(
        conversation=reply.conversation,
        user=reply.user,
        type=reply.type,
        body=body,
        to=reply.to,
        cc=reply.cc,
        bcc=reply.bcc,
    )


def delayed_replies_purge() -> int:
    """Deletes rows finished more than ``FINISHED_KEPT`` ago; returns how many."""
    cutoff = timezone.now() - FINISHED_KEPT
    deleted, _ = DelayedReply.objects.exclude(status=OutboxStatus.PENDING).filter(finished_at__lt=cutoff).delete()
    return deleted
