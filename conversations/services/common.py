"""What the conversation services share: folder placement, the row lock, saving, line items, and the text
helpers (sanitising, previews, address lists)."""

import html
import re
from collections.abc import Iterable
from datetime import datetime

import nh3
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import strip_tags

from conversations.body_links import body_links_relative
from conversations.models import (
    Conversation,
    Status,
    Thread,
)
from helpdesk.errors import Conflict, Invalid
from helpdesk.models import User
from mailboxes.models import Folder, Mailbox
from mailboxes.selectors import folder_get, mailbox_accessible_by
from reports.services import figures_conversation_refresh

PREVIEW_LENGTH = 255


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


def _save(
    conversation: Conversation,
    *,
    by_user: User | None = None,
    at: datetime | None = None,
    locked: bool = False,
    figures: bool = True,
) -> None:
    """``locked``: the caller holds the row's lock (``_locked``), so the figures' refresh need not take it
    and read the row again. ``figures=False`` leaves the report figures to the caller (a create refreshes
    them once, after its threads)."""
    _place(conversation)
    conversation.updated_at = at or timezone.now()
    if by_user is not None:
        conversation.user_updated_at = conversation.updated_at
    conversation.full_clean(exclude=["number", "folder", "mailbox", "customer", "assignee"], validate_constraints=False)
    conversation.save()
    if figures:  # reports: in this transaction, always fresh
        figures_conversation_refresh(conversation_id=conversation.pk, locked=conversation if locked else None)


# The marks mail clients put on quoted history, kept so that the agent UI can fold it (conversations/rendering.py):
# Gmail's and Thunderbird's classes, Outlook's reply-header id and Apple Mail's blockquote type. Nothing else of
# class, id or type survives.
_QUOTE_CLASSES = {
    "div": {"gmail_quote", "gmail_quote_container", "gmail_attr", "moz-cite-prefix"},
    "blockquote": {"gmail_quote"},
}
_QUOTE_ATTRIBUTES = {"id": {"divRplyFwdMsg"}, "type": {"cite"}}
_BODY_ATTRIBUTES = {
    **nh3.ALLOWED_ATTRIBUTES,
    "div": {*nh3.ALLOWED_ATTRIBUTES.get("div", ()), "id"},
    "blockquote": {*nh3.ALLOWED_ATTRIBUTES.get("blockquote", ()), "type"},
}


def _quote_attribute(element: str, attribute: str, value: str) -> str | None:
    allowed = _QUOTE_ATTRIBUTES.get(attribute)
    return value if allowed is None or value in allowed else None


def body_sanitise(body: str) -> str:
    """The body as it is stored: nh3's safe HTML, with links to our attachments host-free (body_links.py)."""
    return body_links_relative(
        nh3.clean(
            body or "", attributes=_BODY_ATTRIBUTES, allowed_classes=_QUOTE_CLASSES, attribute_filter=_quote_attribute
        )
    )


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
            raise Invalid({argument: f"{value!r} is not a valid email address."}) from None
    return cleaned


def _check_access(*, user: User, mailbox: Mailbox, argument: str) -> None:
    if not user.is_active or not mailbox_accessible_by(user=user, mailbox_id=mailbox.pk):
        raise Invalid({argument: f"{user.email} has no access to mailbox {mailbox.name}."})


def _locked(conversation: Conversation) -> Conversation:
    """The current row, locked until the transaction ends: a caller's copy may be stale, and saving it
    would undo a concurrent change (a reply's threads_count, say). ``Conflict`` for a conversation merged
    into another meanwhile (``conversation_merge``): nothing more is written to it, so it cannot come back."""
    # The lock is taken on the row alone, then the row is read with its folder and mailbox: locking the join
    # made PostgreSQL drop the row (DoesNotExist) when a transaction it waited for had moved it to another
    # folder (its recheck of the updated row keeps the old folder row, which no longer joins).
    Conversation.objects.select_for_update().filter(pk=conversation.pk).values_list("pk").first()
    locked = Conversation.objects.select_related("folder", "mailbox").get(pk=conversation.pk)
    if locked.merged_into_id is not None:
        raise Conflict({"conversation": f"#{locked.number} was merged into another conversation."})
    return locked


def _set_status(conversation: Conversation, *, status: str, by_user: User | None, at: datetime) -> None:
    if status not in Status.values:
        raise Invalid({"status": f"Unknown status {status!r}."})
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
