"""Conversation JSON as the FreeScout API shows it (see ``helpdesk.payloads``).

``conversations.selectors.conversations_for_output`` loads everything these functions read, so a page of
conversations costs a constant number of queries whatever it embeds.
"""

import datetime

from django.urls import reverse
from django.utils import timezone

from conversations.models import Attachment, Conversation, Tag, Thread, Timelog
from customers.payloads import customer_short_payload
from helpdesk.links import absolute_url
from helpdesk.payloads import date_out, user_short_payload

EMBEDDABLE = frozenset({"threads", "timelogs", "tags"})


def _author(user, customer) -> dict | None:
    return user_short_payload(user) if user is not None else customer_short_payload(customer)


def waiting_since_friendly(moment: datetime.datetime | None, now: datetime.datetime | None = None) -> str:
    """ "Just now", "10 minutes ago", "10 hours ago", then the date ("Mar 5"; "Mar 5, 2024" in another year)."""
    if moment is None:
        return ""
    now = now or timezone.now()
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 60:
        return "Just now"
    for divisor, unit, limit in ((60, "minute", 60), (3600, "hour", 24)):
        count = seconds // divisor
        if count < limit:
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    label = f"{moment:%b} {moment.day}"
    return label if moment.year == now.year else f"{label}, {moment.year}"


def line_item_text(thread: Thread) -> str:
    who = thread.created_by_user.get_full_name() if thread.created_by_user else "System"
    data = thread.action_data or {}
    match thread.action_type:
        case Thread.Action.CHANGED_STATUS:
            return f"{who} marked as {str(data.get('status', thread.status)).capitalize()}"
        case Thread.Action.CHANGED_ASSIGNEE if thread.assigned_to is None:
            return f"{who} unassigned the conversation"
        case Thread.Action.CHANGED_ASSIGNEE:
            return f"{who} assigned to {thread.assigned_to.get_full_name()}"
        case Thread.Action.MOVED_FROM_MAILBOX:
            return f"{who} moved the conversation from {data.get('from_mailbox_name') or 'another mailbox'}"
        case Thread.Action.CHANGED_CUSTOMER:
            return f"{who} changed the customer to {data.get('customer_name') or 'another customer'}"
        case Thread.Action.DELETED:
            return f"{who} deleted the conversation"
        case Thread.Action.RESTORED:
            return f"{who} restored the conversation"
        case Thread.Action.MERGED:
            return f"{who} merged conversations"
        case Thread.Action.IMPORTED:
            return "Imported"
    return ""


def attachment_url(attachment: Attachment) -> str:
    return absolute_url(reverse("attachment-download", args=[attachment.token, attachment.file_name]))


def attachment_payload(attachment: Attachment) -> dict:
    return {
        "id": attachment.pk,
        "fileName": attachment.file_name,
        "fileUrl": attachment_url(attachment),
        "mimeType": attachment.mime_type,
        "size": attachment.size,
    }


def thread_payload(thread: Thread) -> dict:
    return {
        "id": thread.pk,
        "type": thread.type,
        "status": thread.status,
        "state": thread.state,
        "action": {
            "type": thread.action_type,
            "text": line_item_text(thread) if thread.type == Thread.Type.LINEITEM else "",
            "associatedEntities": [],
        },
        "body": thread.body,
        "source": {"type": thread.source_type, "via": thread.source_via},
        "customer": customer_short_payload(thread.customer),
        "createdBy": _author(thread.created_by_user, thread.created_by_customer),
        "assignedTo": user_short_payload(thread.assigned_to),
        "to": thread.to,
        "cc": thread.cc,
        "bcc": thread.bcc,
        "createdAt": date_out(thread.created_at),
        "openedAt": date_out(thread.opened_at),
        "_embedded": {"attachments": [attachment_payload(a) for a in thread.attachments.all()]},
    }


def tag_short_payload(tag: Tag) -> dict:
    return {"id": tag.pk, "name": tag.name}


def timelog_payload(timelog: Timelog, now: datetime.datetime | None = None) -> dict:
    spent = timelog.time_spent
    if timelog.running_since is not None:
        spent += max(0, int(((now or timezone.now()) - timelog.running_since).total_seconds()))
    return {
        "id": timelog.pk,
        "conversationStatus": timelog.conversation_status,
        "userId": timelog.user_id,
        "timeSpent": spent,
        "paused": timelog.paused,
        "finished": timelog.finished,
        "createdAt": date_out(timelog.created_at),
        "updatedAt": date_out(timelog.updated_at),
    }


def custom_fields_payload(conversation: Conversation) -> list[dict]:
    """Every custom field of the mailbox, with the newest value ("" when unset) and a dropdown's label."""
    latest = {value.field_id: value.value for value in conversation.custom_field_values.all()}
    return [
        {
            "id": field.pk,
            "name": field.name,
            "value": latest.get(field.pk, ""),
            "text": field.option_label(latest.get(field.pk, "")),
        }
        for field in conversation.mailbox.custom_fields.all()
    ]


def conversation_payload(conversation: Conversation, *, embed: frozenset[str] = frozenset({"threads"})) -> dict:
    embedded: dict[str, list] = {}
    if "threads" in embed:
        # Newest first, as FreeScout lists them.
        threads = sorted(conversation.threads.all(), key=lambda t: (t.created_at, t.pk), reverse=True)
        embedded["threads"] = [thread_payload(t) for t in threads]
    if "timelogs" in embed:
        now = timezone.now()
        embedded["timelogs"] = [timelog_payload(t, now) for t in conversation.timelogs.all()]
    if "tags" in embed:
        embedded["tags"] = [tag_short_payload(t) for t in conversation.tags.all()]
    return {
        "id": conversation.pk,
        "number": conversation.number,
        "threadsCount": conversation.threads_count,
        "type": conversation.type,
        "folderId": conversation.folder_id,
        "status": conversation.status,
        "state": conversation.state,
        "subject": conversation.subject,
        "preview": conversation.preview,
        "mailboxId": conversation.mailbox_id,
        "assignee": user_short_payload(conversation.assignee),
        "createdBy": _author(conversation.created_by_user, conversation.created_by_customer),
        "createdAt": date_out(conversation.created_at),
        "updatedAt": date_out(conversation.updated_at),
        "closedBy": conversation.closed_by_id,
        "closedByUser": user_short_payload(conversation.closed_by),
        "closedAt": date_out(conversation.closed_at),
        "userUpdatedAt": date_out(conversation.user_updated_at),
        "customerWaitingSince": {
            "time": date_out(conversation.last_reply_at),
            "friendly": waiting_since_friendly(conversation.last_reply_at),
            "latestReplyFrom": conversation.last_reply_from,
        },
        "source": {"type": conversation.source_type, "via": conversation.source_via},
        "cc": conversation.cc,
        "bcc": conversation.bcc,
        "customer": customer_short_payload(conversation.customer),
        "customFields": custom_fields_payload(conversation),
        "_embedded": embedded,
    }
