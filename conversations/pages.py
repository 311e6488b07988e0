"""A page of conversations as plain rows, loaded once per page for any caller: each API dialect shapes the
rows into its own JSON, the agent UI into its templates.

A page is read as rows (``values(*CONVERSATION_COLUMNS)``), then each related table once for the whole
page into a ``PageContext``; shaping only looks things up. No model instances, no per-row queries: a page
of 50 costs the same handful of queries as a page of 1, whatever it embeds.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import quote

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS

from conversations.models import Attachment, Conversation, ConversationTag, CustomFieldValue, Tag, Thread, Timelog
from customers.selectors import CUSTOMER_SHORT_READ
from helpdesk.db import IdsRead, model_columns, read_rows_by_ids, rows_by_ids, values_from_rows
from helpdesk.links import absolute_url
from helpdesk.selectors import USER_SHORT_READ
from mailboxes.models import CustomField

# What a page can load besides the conversations themselves.
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
ATTACHMENT_COLUMNS = ("id", "thread_id", "token", "file_name", "mime_type", "size")
TAG_COLUMNS = ("conversation_id", "tag_id", "tag__name")


class UserShort(NamedTuple):
    """A user as a page shows them (``USER_SHORT_READ``'s columns, in order); ``photo``: the stored name."""

    id: int
    first_name: str
    last_name: str
    photo: str
    email: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class CustomerShort(NamedTuple):
    """A customer as a page shows them (``CUSTOMER_SHORT_READ``'s columns); ``email``: the first address."""

    id: int
    first_name: str
    last_name: str
    photo_url: str
    email: str | None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class PageContext:
    """Everything the rows of a page refer to, loaded once per page. ``threads`` are newest first."""

    users: dict[int, UserShort] = field(default_factory=dict)
    customers: dict[int, CustomerShort] = field(default_factory=dict)
    custom_fields: dict[int, list[CustomField]] = field(default_factory=dict)
    field_values: dict[int, dict[int, str]] = field(default_factory=dict)
    threads: dict[int, list[dict]] = field(default_factory=dict)
    attachments: dict[int, list[dict]] = field(default_factory=dict)
    tags: dict[int, list[dict]] = field(default_factory=dict)
    timelogs: dict[int, list[dict]] = field(default_factory=dict)
    now: datetime.datetime = field(default_factory=timezone.now)

    def author(self, user_id: int | None, customer_id: int | None) -> UserShort | CustomerShort | None:
        if user_id is not None:
            return self.users.get(user_id)
        return self.customers.get(customer_id) if customer_id is not None else None

    def custom_field_values(self, conversation: dict) -> list[tuple[CustomField, str]]:
        """Every custom field of the conversation's mailbox with its newest value ("" when unset)."""
        values = self.field_values.get(conversation["id"], {})
        return [(f, values.get(f.pk, "")) for f in self.custom_fields.get(conversation["mailbox_id"], ())]


def _group(rows: Iterable[dict], key: str) -> dict[int, list[dict]]:
    grouped: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return grouped


def attachments_by_thread(thread_ids: list[int]) -> dict[int, list[dict]]:
    attachments = Attachment.objects.filter(thread_id__in=thread_ids).order_by("id")
    return _group(attachments.values(*ATTACHMENT_COLUMNS), "thread_id")


def page_context(rows: list[dict], *, embed: frozenset[str]) -> PageContext:
    """Loads what the rows (from ``CONVERSATION_COLUMNS``) refer to, and what ``embed`` asks for."""
    context = PageContext()
    ids = [row["id"] for row in rows]
    if not ids:
        return context
    user_ids = {row[k] for row in rows for k in ("assignee_id", "created_by_user_id", "closed_by_id")}
    customer_ids = {row[k] for row in rows for k in ("customer_id", "created_by_customer_id")}
    if "threads" in embed:
        threads = _newest_first(Thread, THREAD_COLUMNS, ids)
        context.threads = _group(threads, "conversation_id")
        user_ids |= {t[k] for t in threads for k in ("created_by_user_id", "assigned_to_id")}
        customer_ids |= {t[k] for t in threads for k in ("customer_id", "created_by_customer_id")}
    if "timelogs" in embed:
        context.timelogs = _group(_newest_first(Timelog, TIMELOG_COLUMNS, ids), "conversation_id")
    related = rows_by_ids(
        users=(USER_SHORT_READ, user_ids - {None}),
        customers=(CUSTOMER_SHORT_READ, customer_ids - {None}),
        custom_fields=(_CUSTOM_FIELDS_READ, {row["mailbox_id"] for row in rows}),
        field_values=(_FIELD_VALUES_READ, ids),
        # Read with the people rather than by two more ORM queries (~0.5 ms each to compile and send).
        tags=(_TAGS_READ, ids if "tags" in embed else ()),
        attachments=(_ATTACHMENTS_READ, ids if "threads" in embed else ()),
    )
    context.users, context.customers = _people(related)
    # In the order the ORM reads gave them: tags by id, attachments by id.
    tags = (dict(zip(TAG_COLUMNS, row, strict=True)) for row in sorted(related["tags"]))
    attachments = (dict(zip(ATTACHMENT_COLUMNS, row, strict=True)) for row in sorted(related["attachments"]))
    context.tags, context.attachments = _group(tags, "conversation_id"), _group(attachments, "thread_id")
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
# TAG_COLUMNS and ATTACHMENT_COLUMNS, in order, of the conversations.
_TAGS_READ = IdsRead(
    "ct.conversation_id, ct.tag_id, t.name",
    f"FROM {ConversationTag._meta.db_table} ct JOIN {Tag._meta.db_table} t ON t.id = ct.tag_id"
    " WHERE ct.conversation_id {ids}",
)
_ATTACHMENTS_READ = IdsRead(
    "a.id, a.thread_id, a.token, a.file_name, a.mime_type, a.size",
    f"FROM {Attachment._meta.db_table} a JOIN {Thread._meta.db_table} th ON th.id = a.thread_id"
    " WHERE th.conversation_id {ids}",
)


def _sort_key(custom_field: list) -> tuple[int, int]:
    """A mailbox's custom fields are shown by ``sort_order``, then id."""
    return custom_field[4], custom_field[0]


def _people(related: dict[str, list[list]]) -> tuple[dict[int, UserShort], dict[int, CustomerShort]]:
    return (
        {row[0]: UserShort._make(row) for row in related["users"]},
        {row[0]: CustomerShort._make(row) for row in related["customers"]},
    )


def people_short(user_ids: set[int], customer_ids: set[int]) -> tuple[dict[int, UserShort], dict[int, CustomerShort]]:
    """``{id: UserShort}`` and ``{id: CustomerShort}``, in one statement."""
    return _people(rows_by_ids(users=(USER_SHORT_READ, user_ids), customers=(CUSTOMER_SHORT_READ, customer_ids)))


def _dicts(model: type[Model], columns: tuple[str, ...], rows: list[tuple]) -> list[dict]:
    return [dict(zip(columns, values, strict=True)) for values in values_from_rows(rows, model, columns)]


def _newest_first(model: type[Thread | Timelog], columns: tuple[str, ...], conversation_ids: list[int]) -> list[dict]:
    """The conversations' threads or timelogs, newest first, as ``values(*columns)`` gives them. Written out
    (``read_rows_by_ids``) rather than compiled by the ORM on every request: the API's get and every page
    with ``embed=threads`` run it."""
    sql = (
        f"SELECT {model_columns(model, 'r', columns)} FROM {model._meta.db_table} r"  # noqa: S608
        " WHERE r.conversation_id {ids} ORDER BY r.created_at DESC, r.id DESC"
    )
    return _dicts(model, columns, read_rows_by_ids(sql, conversation_ids))


def conversation_rows(conversation_ids: list[int], *, columns: tuple[str, ...] = CONVERSATION_COLUMNS) -> list[dict]:
    """These conversations' ``values(*columns)`` rows, in id order, by a statement written out once."""
    sql = (
        f"SELECT {model_columns(Conversation, 'c', columns)} FROM {Conversation._meta.db_table} c"  # noqa: S608
        " WHERE c.id {ids} ORDER BY c.id"
    )
    return _dicts(Conversation, columns, read_rows_by_ids(sql, conversation_ids))


def conversation_page(conversation_ids: list[int], *, embed: frozenset[str]) -> tuple[list[dict], PageContext]:
    """The rows of these conversations (in id order) with their context."""
    rows = conversation_rows(conversation_ids)
    return rows, page_context(rows, embed=embed)


def thread_page(thread_id: int) -> tuple[dict, PageContext]:
    """One thread's row with the people and attachments it refers to."""
    thread = Thread.objects.filter(pk=thread_id).values(*THREAD_COLUMNS).get()
    users, customers = people_short(
        {thread["created_by_user_id"], thread["assigned_to_id"]} - {None},
        {thread["customer_id"], thread["created_by_customer_id"]} - {None},
    )
    return thread, PageContext(users=users, customers=customers, attachments=attachments_by_thread([thread_id]))


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


def line_item_text(thread: dict, context: PageContext) -> str:
    """What a line item says ("Ana assigned to Ben"), as the agent UI and the APIs show it."""
    author = context.users.get(thread["created_by_user_id"])
    who = (author.full_name if author else "") or "System"
    data = thread["action_data"] or {}
    assignee = context.users.get(thread["assigned_to_id"])
    match thread["action_type"]:
        case Thread.Action.CHANGED_STATUS:
            return f"{who} marked as {str(data.get('status', thread['status'])).capitalize()}"
        case Thread.Action.CHANGED_ASSIGNEE if assignee is not None:
            return f"{who} assigned to {assignee.full_name}"
        case Thread.Action.CHANGED_ASSIGNEE:
            return f"{who} unassigned the conversation"
        case Thread.Action.MOVED_FROM_MAILBOX:
            return f"{who} moved the conversation from {data.get('from_mailbox_name') or 'another mailbox'}"
        case Thread.Action.CHANGED_CUSTOMER:
            return f"{who} changed the customer to {data.get('customer_name') or 'another customer'}"
        case Thread.Action.DELETED:
            return f"{who} deleted the conversation"
        case Thread.Action.RESTORED:
            return f"{who} restored the conversation"
        case Thread.Action.MERGED if data.get("into_number"):
            return f"{who} merged this conversation into #{data['into_number']}"
        case Thread.Action.MERGED if data.get("from_number"):
            return f"{who} merged #{data['from_number']} into this conversation"
        case Thread.Action.MERGED:
            return f"{who} merged conversations"
        case Thread.Action.IMPORTED:
            return "Imported"
    return ""


def attachment_url(token: str, file_name: str) -> str:
    """The absolute, unguessable download URL of an attachment."""
    return absolute_url(reverse("attachment-download", args=[token, file_name]))


def attachment_urls() -> Callable[[str, str], str]:
    """``attachment_url`` with the route reversed once, for a page's attachments: the same URL, each part
    quoted as ``reverse`` quotes it (a test holds the two together). A part the route's ``str`` converter
    would refuse (empty, or with a slash) goes through ``attachment_url``, which raises as it did."""
    sample = attachment_url("t", "n")
    prefix = sample[: -len("t/n")]

    def url(token: str, file_name: str) -> str:
        if not token or not file_name or "/" in token or "/" in file_name:
            return attachment_url(token, file_name)
        return f"{prefix}{quote(token, safe=_URL_SAFE)}/{quote(file_name, safe=_URL_SAFE)}"

    return url


# The characters ``reverse`` leaves unquoted in a URL (RFC 3986's sub-delims and pchar).
_URL_SAFE = RFC3986_SUBDELIMS + "/~:@"
