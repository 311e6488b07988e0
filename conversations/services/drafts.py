"""An agent's draft of a reply or note, autosaved by the conversation page: the conversation's draft
thread (``state`` draft), as the FreeScout API lists it. One per agent and conversation: saving again
updates it. Until it is sent a draft tells nobody: no webhook, no email, no line item, and no
change to the conversation (folder, counts, ``updated_at``, the live pages' version), which is why these
functions do not go through ``thread_create``. Sending publishes the draft itself
(``thread_create(draft=…)``): one thread, one email, one event."""

from collections.abc import Sequence
from functools import partial

from django.db import transaction
from django.utils import timezone

from conversations.models import Attachment, Conversation, SourceVia, Thread
from conversations.selectors import DRAFT_TYPES, thread_draft_of
from conversations.services.common import _addresses, _locked, body_sanitise, text_preview
from helpdesk.errors import Invalid
from helpdesk.models import User


@transaction.atomic
def thread_draft_save(
    *,
    conversation: Conversation,
    user: User,
    type: str,
    body: str,
    to: Sequence[str] = (),
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
) -> Thread | None:
    """Keeps ``body`` (HTML) and the recipients as ``user``'s draft of a ``type`` (message or note) thread;
    a body with no text discards the draft instead (None)."""
    if type not in DRAFT_TYPES:
        raise Invalid({"type": "A draft is a reply (message) or a note."})
    recipients = {"to": _addresses(to, "to"), "cc": _addresses(cc, "cc"), "bcc": _addresses(bcc, "bcc")}
    # Locked so that two tabs saving at once cannot both create: one draft per agent.
    conversation = _locked(conversation)
    draft = thread_draft_of(conversation_id=conversation.pk, user=user)
    body = body_sanitise(body)
    if not text_preview(body):
        if draft is not None:
            _draft_delete(draft)
        return None
    now = timezone.now()
    if draft is None:
        return Thread.objects.create(
            conversation=conversation,
            type=type,
            state=Thread.State.DRAFT,
            body=body,
            source_type=conversation.source_type,
            source_via=SourceVia.USER,
            customer=conversation.customer,
            created_by_user=user,
            assigned_to=conversation.assignee,
            created_at=now,
            updated_at=now,
            **recipients,
        )
    draft.type, draft.body, draft.updated_at = type, body, now
    draft.to, draft.cc, draft.bcc = recipients["to"], recipients["cc"], recipients["bcc"]
    draft.save(update_fields=["type", "body", "to", "cc", "bcc", "updated_at"])
    return draft


@transaction.atomic
def thread_draft_discard(*, conversation: Conversation, user: User) -> bool:
    """Deletes ``user``'s draft in the conversation, with any file on it; False when there was none."""
    conversation = _locked(conversation)
    draft = thread_draft_of(conversation_id=conversation.pk, user=user)
    if draft is None:
        return False
    _draft_delete(draft)
    return True


def _draft_delete(draft: Thread) -> None:
    """The row with its attachments' rows; their files once the transaction commits (the API's drafts may
    carry files)."""
    files = [(a.file.storage, a.file.name) for a in Attachment.objects.filter(thread=draft)]
    draft.delete()
    for storage, name in files:
        transaction.on_commit(partial(storage.delete, name))
