"""Conversation JSON as the FreeScout API shows it: one function per entity, used by the API's lists and
GETs and by webhook bodies, so they cannot drift. The rows and what they refer to come from the page loader
(``conversations.pages``); this module only shapes them."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from conversations.body_links import body_links_absolute
from conversations.models import Thread
from conversations.pages import (
    PageContext,
    attachment_urls,
    conversation_page,
    line_item_text,
    page_context,
    thread_page,
    waiting_since_friendly,
)
from freescout.customers.payloads import customer_short_payload
from freescout.payloads import collector_paused, date_out, user_short_payload


@dataclass
class _Shapes:
    """A page's people as FreeScout shows them (UserShort, CustomerShort), each shaped once per page."""

    context: PageContext
    users: dict[int, dict]
    customers: dict[int, dict]
    attachment_url: Callable[[str, str], str]

    @classmethod
    def of(cls, context: PageContext) -> "_Shapes":
        return cls(
            context,
            {pk: user_short_payload(*user) for pk, user in context.users.items()},
            {pk: customer_short_payload(*customer) for pk, customer in context.customers.items()},
            attachment_urls(),
        )

    def author(self, user_id: int | None, customer_id: int | None) -> dict | None:
        if user_id is not None:
            return self.users.get(user_id)
        return self.customers.get(customer_id) if customer_id is not None else None


def attachment_payload(attachment: dict, url: Callable[[str, str], str]) -> dict:
    return {
        "id": attachment["id"],
        "fileName": attachment["file_name"],
        "fileUrl": url(attachment["token"], attachment["file_name"]),
        "mimeType": attachment["mime_type"],
        "size": attachment["size"],
    }


def thread_payload(thread: dict, shapes: _Shapes) -> dict:
    return {
        "id": thread["id"],
        "type": thread["type"],
        "status": thread["status"],
        "state": thread["state"],
        "action": {
            "type": thread["action_type"],
            "text": line_item_text(thread, shapes.context) if thread["type"] == Thread.Type.LINEITEM else "",
            "associatedEntities": [],
        },
        "body": body_links_absolute(thread["body"]),
        "source": {"type": thread["source_type"], "via": thread["source_via"]},
        "customer": shapes.customers.get(thread["customer_id"]),
        "createdBy": shapes.author(thread["created_by_user_id"], thread["created_by_customer_id"]),
        "assignedTo": shapes.users.get(thread["assigned_to_id"]),
        "to": thread["to"],
        "cc": thread["cc"],
        "bcc": thread["bcc"],
        "createdAt": date_out(thread["created_at"]),
        "openedAt": date_out(thread["opened_at"]),
        "_embedded": {
            "attachments": [
                attachment_payload(a, shapes.attachment_url) for a in shapes.context.attachments.get(thread["id"], ())
            ]
        },
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
    return [
        {"id": f.pk, "name": f.name, "value": value, "text": f.option_label(value)}
        for f, value in context.custom_field_values(conversation)
    ]


def conversation_payload(conversation: dict, shapes: _Shapes, *, embed: frozenset[str]) -> dict:
    conversation_id = conversation["id"]
    context = shapes.context
    embedded: dict[str, list] = {}
    if "threads" in embed:
        # Newest first, as FreeScout lists them.
        embedded["threads"] = [thread_payload(t, shapes) for t in context.threads.get(conversation_id, ())]
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
        "assignee": shapes.users.get(conversation["assignee_id"]),
        "createdBy": shapes.author(conversation["created_by_user_id"], conversation["created_by_customer_id"]),
        "createdAt": date_out(conversation["created_at"]),
        "updatedAt": date_out(conversation["updated_at"]),
        "closedBy": conversation["closed_by_id"],
        "closedByUser": shapes.users.get(conversation["closed_by_id"]),
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
        "customer": shapes.customers.get(conversation["customer_id"]),
        "customFields": custom_fields_payload(conversation, context),
        "_embedded": embedded,
    }


def conversation_payloads(rows: list[dict], *, embed: frozenset[str]) -> list[dict]:
    """Payloads of a page of rows from ``queryset.values(*CONVERSATION_COLUMNS)``."""
    with collector_paused():
        shapes = _Shapes.of(page_context(rows, embed=embed))
        return [conversation_payload(row, shapes, embed=embed) for row in rows]


def conversation_payload_by_id(conversation_id: int, *, embed: frozenset[str] = frozenset({"threads"})) -> dict:
    with collector_paused():
        rows, context = conversation_page([conversation_id], embed=embed)
        return conversation_payload(rows[0], _Shapes.of(context), embed=embed)


def thread_payload_by_id(thread_id: int) -> dict:
    thread, context = thread_page(thread_id)
    return thread_payload(thread, _Shapes.of(context))
