"""Conversation JSON as the FreeScout API shows it: one function per entity, used by the API's lists and
GETs and by webhook bodies, so they cannot drift.

A page is loaded as plain rows (``values()``), then each related table once for the whole page into a
``PageContext``; the payload functions only look things up. No model instances, no per-row queries: a
page of 50 costs the same handful of queries as a page of 1, whatever it embeds.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS
from django.urls import reverse
from django.utils import timezone

from conversations.models import Attachment, ConversationTag, CustomFieldValue, Thread, Timelog
from customers.payloads import CUSTOMER_SHORT_READ, customer_short_payload
from helpdesk.db import IdsRead, rows_by_ids, values_from_rows
from helpdesk.links import absolute_url
from helpdesk.payloads import USER_SHORT_READ, date_out, user_short_payload
from mailboxes.models import CustomField

EMBEDDABLE = frozenset({"threads", "timelogs", "tags"})

CONVERSATION_COLUMNS = (
    "id",
    "number",
    "threads_count",
    "type",
    "folder_id",
    "status",
    "state",
    "subject",
    "preview",
    "mailbox_id",
    "assignee_id",
    "created_by_user_id",
    "created_by_customer_id",
    "created_at",
    "updated_at",
    "closed_by_id",
    "closed_at",
    "user_updated_at",
    "last_reply_at",
    "last_reply_from",
    "source_type",
    "source_via",
    "cc",
    "bcc",
    "customer_id",
)
THREAD_COLUMNS = (
    "id",
    "conversation_id",
    "type",
    "status",
    "state",
    "action_type",
    "action_data",
    "body",
    "source_type",
    "source_via",
    "customer_id",
    "created_by_user_id",
    "created_by_customer_id",
    "assigned_to_id",
    "to",
    "cc",
    "bcc",
    "created_at",
    "opened_at",
)
TIMELOG_COLUMNS = (
    "id",
    "conversation_id",
    "conversation_status",
    "user_id",
    "time_spent",
    "running_since",
    "paused",
    "finished",
    "created_at",
    "updated_at",
)


@dataclass
class PageContext:
    """Everything the rows of a page refer to, loaded once per page."""

    users: dict[int, dict] = field(default_factory=dict)
    customers: dict[int, dict] = field(default_factory=dict)
    custom_fields: dict[int, list[CustomField]] = field(default_factory=dict)
    field_values: dict[int, dict[int, str]] = field(default_factory=dict)
    threads: dict[int, list[dict]] = field(default_factory=dict)
    attachments: dict[int, list[dict]] = field(default_factory=dict)
    tags: dict[int, list[dict]] = field(default_factory=dict)
    timelogs: dict[int, list[dict]] = field(default_factory=dict)
    now: datetime.datetime = field(default_factory=timezone.now)


def _group(rows: Iterable[dict], key: str) -> dict[int, list[dict]]:
    grouped: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return grouped


def _attachments_by_thread(thread_ids: list[int]) -> dict[int, list[dict]]:
    attachments = Attachment.objects.filter(thread_id__in=thread_ids).order_by("id")
    return _group(attachments.values("id", "thread_id", "token", "file_name", "mime_type", "size"), "thread_id")


def page_context(rows: list[dict], *, embed: frozenset[str]) -> PageContext:
    """Loads what ``conversation_payload`` needs for ``rows`` (from ``CONVERSATION_COLUMNS``)."""
    context = PageContext()
    ids = [row["id"] for row in rows]
    if not ids:
        return context
    user_ids = {row[k] for row in rows for k in ("assignee_id", "created_by_user_id", "closed_by_id")}
    customer_ids = {row[k] for row in rows for k in ("customer_id", "created_by_customer_id")}
    if "threads" in embed:
        threads = list(
            Thread.objects.filter(conversation_id__in=ids).order_by("-created_at", "-id").values(*THREAD_COLUMNS)
        )
        context.threads = _group(threads, "conversation_id")
        context.attachments = _attachments_by_thread([t["id"] for t in threads])
        user_ids |= {t[k] for t in threads for k in ("created_by_user_id", "assigned_to_id")}
        customer_ids |= {t[k] for t in threads for k in ("customer_id", "created_by_customer_id")}
    if "tags" in embed:
        context.tags = _group(
            ConversationTag.objects.filter(conversation_id__in=ids)
            .order_by("tag_id")
            .values("conversation_id", "tag_id", "tag__name"),
            "conversation_id",
        )
    if "timelogs" in embed:
        context.timelogs = _group(
            Timelog.objects.filter(conversation_id__in=ids).order_by("-created_at", "-id").values(*TIMELOG_COLUMNS),
            "conversation_id",
        )
    related = rows_by_ids(
        users=(USER_SHORT_READ, user_ids - {None}),
        customers=(CUSTOMER_SHORT_READ, customer_ids - {None}),
        custom_fields=(_CUSTOM_FIELDS_READ, {row["mailbox_id"] for row in rows}),
        field_values=(_FIELD_VALUES_READ, ids),
    )
    context.users, context.customers = _people(related)
    field_rows = sorted(related["custom_fields"], key=_sort_key)
    for values in values_from_rows(field_rows, CustomField, _CUSTOM_FIELD_ATTNAMES):
        custom_field = CustomField.from_db(DEFAULT_DB_ALIAS, _CUSTOM_FIELD_ATTNAMES, values)
        context.custom_fields.setdefault(custom_field.mailbox_id, []).append(custom_field)
    # In id order, so that the newest value of a field wins.
    for _, conversation_id, field_id, value in sorted(related["field_values"]):
        context.field_values.setdefault(conversation_id, {})[field_id] = value
    return context


# A page's related rows, read with its people (``rows_by_ids``): the custom fields of its mailboxes, and
# the values of its conversations.
_CUSTOM_FIELD_ATTNAMES = ("id", "name", "type", "options", "sort_order", "mailbox_id")
_CUSTOM_FIELDS_READ = IdsRead(
    "f.id, f.name, f.type, CAST(f.options AS TEXT), f.sort_order, f.mailbox_id",
    f"FROM {CustomField._meta.db_table} f WHERE f.mailbox_id {{ids}}",
)
_FIELD_VALUES_READ = IdsRead(
    "v.id, v.conversation_id, v.field_id, v.value",
    f"FROM {CustomFieldValue._meta.db_table} v WHERE v.conversation_id {{ids}}",
)


def _sort_key(custom_field: list) -> tuple[int, int]:
    """A mailbox's custom fields are shown by ``sort_order``, then id."""
    return custom_field[4], custom_field[0]


def _people(related: dict[str, list[list]]) -> tuple[dict[int, dict], dict[int, dict]]:
    return (
        {row[0]: user_short_payload(*row) for row in related["users"]},
        {row[0]: customer_short_payload(*row) for row in related["customers"]},
    )


def people_short_payloads(user_ids: set[int], customer_ids: set[int]) -> tuple[dict[int, dict], dict[int, dict]]:
    """``{id: UserShort}`` and ``{id: CustomerShort}``, in one statement."""
    return _people(rows_by_ids(users=(USER_SHORT_READ, user_ids), customers=(CUSTOMER_SHORT_READ, customer_ids)))


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


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
    label = f"{_MONTHS[moment.month - 1]} {moment.day}"
    return label if moment.year == now.year else f"{label}, {moment.year}"


def _full_name(user: dict | None) -> str:
    return f"{user['firstName']} {user['lastName']}".strip() if user else ""


def line_item_text(thread: dict, context: PageContext) -> str:
    who = _full_name(context.users.get(thread["created_by_user_id"])) or "System"
    data = thread["action_data"] or {}
    assignee = context.users.get(thread["assigned_to_id"])
    match thread["action_type"]:
        case Thread.Action.CHANGED_STATUS:
            return f"{who} marked as {str(data.get('status', thread['status'])).capitalize()}"
        case Thread.Action.CHANGED_ASSIGNEE if assignee is None:
            return f"{who} unassigned the conversation"
        case Thread.Action.CHANGED_ASSIGNEE:
            return f"{who} assigned to {_full_name(assignee)}"
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


def attachment_url(token: str, file_name: str) -> str:
    return absolute_url(reverse("attachment-download", args=[token, file_name]))


def attachment_payload(attachment: dict) -> dict:
    return {
        "id": attachment["id"],
        "fileName": attachment["file_name"],
        "fileUrl": attachment_url(attachment["token"], attachment["file_name"]),
        "mimeType": attachment["mime_type"],
        "size": attachment["size"],
    }


def _author(context: PageContext, user_id: int | None, customer_id: int | None) -> dict | None:
    return context.users.get(user_id) if user_id is not None else context.customers.get(customer_id)


def thread_payload(thread: dict, context: PageContext) -> dict:
    return {
        "id": thread["id"],
        "type": thread["type"],
        "status": thread["status"],
        "state": thread["state"],
        "action": {
            "type": thread["action_type"],
            "text": line_item_text(thread, context) if thread["type"] == Thread.Type.LINEITEM else "",
            "associatedEntities": [],
        },
        "body": thread["body"],
        "source": {"type": thread["source_type"], "via": thread["source_via"]},
        "customer": context.customers.get(thread["customer_id"]),
        "createdBy": _author(context, thread["created_by_user_id"], thread["created_by_customer_id"]),
        "assignedTo": context.users.get(thread["assigned_to_id"]),
        "to": thread["to"],
        "cc": thread["cc"],
        "bcc": thread["bcc"],
        "createdAt": date_out(thread["created_at"]),
        "openedAt": date_out(thread["opened_at"]),
        "_embedded": {"attachments": [attachment_payload(a) for a in context.attachments.get(thread["id"], ())]},
    }


def timelog_payload(timelog: dict, now: datetime.datetime | None = None) -> dict:
    spent = timelog["time_spent"]
    if timelog["running_since"] is not None:
        spent += max(0, int(((now or timezone.now()) - timelog["running_since"]).total_seconds()))
    return {
        "id": timelog["id"],
        "conversationStatus": timelog["conversation_status"],
        "userId": timelog["user_id"],
        "timeSpent": spent,
        "paused": timelog["paused"],
        "finished": timelog["finished"],
        "createdAt": date_out(timelog["created_at"]),
        "updatedAt": date_out(timelog["updated_at"]),
    }


def custom_fields_payload(conversation: dict, context: PageContext) -> list[dict]:
    """Every custom field of the mailbox, with the newest value ("" when unset) and a dropdown's label."""
    values = context.field_values.get(conversation["id"], {})
    return [
        {"id": f.pk, "name": f.name, "value": values.get(f.pk, ""), "text": f.option_label(values.get(f.pk, ""))}
        for f in context.custom_fields.get(conversation["mailbox_id"], ())
    ]


def conversation_payload(conversation: dict, context: PageContext, *, embed: frozenset[str]) -> dict:
    conversation_id = conversation["id"]
    embedded: dict[str, list] = {}
    if "threads" in embed:
        # Newest first, as FreeScout lists them.
        embedded["threads"] = [thread_payload(t, context) for t in context.threads.get(conversation_id, ())]
    if "timelogs" in embed:
        embedded["timelogs"] = [timelog_payload(t, context.now) for t in context.timelogs.get(conversation_id, ())]
    if "tags" in embed:
        embedded["tags"] = [{"id": t["tag_id"], "name": t["tag__name"]} for t in context.tags.get(conversation_id, ())]
    last_reply_at = conversation["last_reply_at"]
    return {
        "id": conversation_id,
        "number": conversation["number"],
        "threadsCount": conversation["threads_count"],
        "type": conversation["type"],
        "folderId": conversation["folder_id"],
        "status": conversation["status"],
        "state": conversation["state"],
        "subject": conversation["subject"],
        "preview": conversation["preview"],
        "mailboxId": conversation["mailbox_id"],
        "assignee": context.users.get(conversation["assignee_id"]),
        "createdBy": _author(context, conversation["created_by_user_id"], conversation["created_by_customer_id"]),
        "createdAt": date_out(conversation["created_at"]),
        "updatedAt": date_out(conversation["updated_at"]),
        "closedBy": conversation["closed_by_id"],
        "closedByUser": context.users.get(conversation["closed_by_id"]),
        "closedAt": date_out(conversation["closed_at"]),
        "userUpdatedAt": date_out(conversation["user_updated_at"]),
        "customerWaitingSince": {
            "time": date_out(last_reply_at),
            "friendly": waiting_since_friendly(last_reply_at, context.now),
            "latestReplyFrom": conversation["last_reply_from"],
        },
        "source": {"type": conversation["source_type"], "via": conversation["source_via"]},
        "cc": conversation["cc"],
        "bcc": conversation["bcc"],
        "customer": context.customers.get(conversation["customer_id"]),
        "customFields": custom_fields_payload(conversation, context),
        "_embedded": embedded,
    }


def conversation_payloads(rows: list[dict], *, embed: frozenset[str]) -> list[dict]:
    """Payloads of a page of rows from ``queryset.values(*CONVERSATION_COLUMNS)``."""
    context = page_context(rows, embed=embed)
    return [conversation_payload(row, context, embed=embed) for row in rows]


def conversation_payload_by_id(conversation_id: int, *, embed: frozenset[str] = frozenset({"threads"})) -> dict:
    from conversations.models import Conversation

    return conversation_payloads(
        list(Conversation.objects.filter(pk=conversation_id).values(*CONVERSATION_COLUMNS)), embed=embed
    )[0]


def thread_payload_by_id(thread_id: int) -> dict:
    thread = Thread.objects.filter(pk=thread_id).values(*THREAD_COLUMNS).get()
    users, customers = people_short_payloads(
        {thread["created_by_user_id"], thread["assigned_to_id"]} - {None},
        {thread["customer_id"], thread["created_by_customer_id"]} - {None},
    )
    context = PageContext(users=users, customers=customers, attachments=_attachments_by_thread([thread_id]))
    return thread_payload(thread, context)
