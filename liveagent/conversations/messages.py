"""A conversation's messages: #11 ``GET`` and #12 ``POST /conversations/{conversationid}/messages``
(reference §4.3).

#11 gives one message group per published thread, oldest first: its ``messagegroupid`` is the thread's id,
its parts ("messages") the body (M, or N in a note) and one part per attachment (F, or L in a note) whose
``message`` is the file id for #30, after a header part (H) naming its To, Cc and Bcc when it has any (an
email's, a reply's from the composer, a forward's); a line item has one part saying what changed (J status, R transfer,
S system). Drafts and hidden threads are not shown, so a group's ``rstatus`` is always V (visible).

#12 adds an agent reply (``type`` M with ``useridentifier``) or a note (``type`` N, or no acting agent: a
System note, as the seed's note says) through ``thread_create``, as every other way in does: the same
webhooks (``convo.agent.reply.created``, ``convo.note.created``), the reply emailed and the conversation
made pending (Answered)."""

import html
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from conversations.body_links import body_links_absolute
from conversations.mail.outgoing import ReplyEmail
from conversations.models import Conversation, Thread
from conversations.pages import THREAD_COLUMNS, PageContext, attachments_by_thread, line_item_text, people_short
from conversations.selectors import attachment_visible_to
from conversations.services import NewThread, thread_create
from helpdesk.models import User
from liveagent.agents import SYSTEM_USERID, actor_from, agent_userid
from liveagent.conversations.lookup import conversation_visible
from liveagent.customers.lookup import customer_userid
from liveagent.ids import Kind, id_encode
from liveagent.plumbing.dates import datetime_in, datetime_out
from liveagent.plumbing.errors import InvalidParameter, service_errors_at
from liveagent.plumbing.routes import endpoint
from liveagent.plumbing.views import LiveAgentView

Action = Thread.Action

# --- #11 --------------------------------------------------------------------------------------------------

# A line item's group (§3.1 "Message group rtype"): resolve R, spam B, delete X, transfer T, merged 2;
# anything else (reopened, answered, restored, customer changed, imported) is S, startinfo. Tags (G) are not
# recorded as line items here.
_STATUS_GROUPS = {Conversation.Status.CLOSED: "R", Conversation.Status.SPAM: "B"}
_ACTION_GROUPS = {
    Action.DELETED: "X",
    Action.CHANGED_ASSIGNEE: "T",
    Action.MOVED_FROM_MAILBOX: "T",
    Action.MERGED: "2",
}
# A line item's one part: J status, R transfer, S system.
_ACTION_PARTS = {
    Action.CHANGED_STATUS: "J",
    Action.DELETED: "J",
    Action.RESTORED: "J",
    Action.CHANGED_ASSIGNEE: "R",
    Action.MOVED_FROM_MAILBOX: "R",
}
# The body part is always number 0 and attachment k is k + 1, so a part's id never changes; the header
# part (an email's recipients) has a number no attachment reaches.
_BODY_PART = 0
_HEADER_PART = 999_999


def _group_rtype(thread: Mapping[str, Any], conversation_type: str) -> str:
    """Customer email 3, agent email 4, chat C, phone P (customer) or V (agent), note I; line items by
    what they record."""
    kind = thread["type"]
    if kind == Thread.Type.NOTE:
        return "I"
    if kind == Thread.Type.LINEITEM:
        if thread["action_type"] == Action.CHANGED_STATUS:
            status = (thread["action_data"] or {}).get("status", thread["status"])
            return _STATUS_GROUPS.get(status, "S")
        return _ACTION_GROUPS.get(thread["action_type"], "S")
    if kind == Thread.Type.CHAT or conversation_type == Conversation.Type.CHAT:
        return "C"
    from_customer = thread["created_by_customer_id"] is not None
    if conversation_type == Conversation.Type.PHONE:
        return "P" if from_customer else "V"
    return "3" if from_customer else "4"


def _author_userid(thread: Mapping[str, Any]) -> str:
    if thread["created_by_user_id"] is not None:
        return agent_userid(thread["created_by_user_id"])
    if thread["created_by_customer_id"] is not None:
        return customer_userid(thread["created_by_customer_id"])
    return SYSTEM_USERID  # line items and notes no agent made


def _parts(thread: Mapping[str, Any], attachments: list[dict], context: PageContext) -> list[tuple[int, str, str]]:
    """``(number, rtype, message)`` of each part of the thread."""
    if thread["type"] == Thread.Type.LINEITEM:
        return [(_BODY_PART, _ACTION_PARTS.get(thread["action_type"], "S"), line_item_text(dict(thread), context))]
    note = thread["type"] == Thread.Type.NOTE
    parts = []
    # The thread's To, Cc and Bcc (the composer's, a forward's, an email's) as LiveAgent's header part, H.
    headers = (("to", "To"), ("cc", "Cc"), ("bcc", "Bcc"))
    recipients = [f"{label}: {', '.join(thread[key])}" for key, label in headers if thread[key]]
    if recipients:
        parts.append((_HEADER_PART, "H", "\n".join(recipients)))
    if (thread["body"] or "").strip() or not attachments:
        parts.append((_BODY_PART, "N" if note else "M", body_links_absolute(thread["body"] or "")))
    parts += [(index + 1, "L" if note else "F", a["token"]) for index, a in enumerate(attachments)]
    return parts


def message_group_payload(
    thread: Mapping[str, Any], *, conversation_type: str, attachments: list[dict], context: PageContext
) -> dict[str, Any]:
    userid = _author_userid(thread)
    created = datetime_out(thread["created_at"])
    return {
        "messagegroupid": id_encode(Kind.MESSAGE_GROUP, thread["id"]),
        "userid": userid,
        "rtype": _group_rtype(thread, conversation_type),
        "rstatus": "V",
        "datecreated": created,
        # All parts of a thread are written with it: the latest is as old as the group.
        "datefinished": created,
        "messages": [
            {
                "messageid": id_encode(Kind.MESSAGE, thread["id"], number),
                "userid": userid,
                "rtype": rtype,
                "datecreated": created,
                "message": message,
            }
            for number, rtype, message in _parts(thread, attachments, context)
        ],
    }


def message_groups(conversation: Conversation, threads: QuerySet[Thread]) -> list[dict[str, Any]]:
    """The groups of ``threads`` (the conversation's), in three statements whatever their number: the
    threads, their attachments, the agents line items name."""
    rows = list(threads.order_by("created_at", "id").values(*THREAD_COLUMNS))
    attachments = attachments_by_thread([row["id"] for row in rows]) if rows else {}
    line_items = [row for row in rows if row["type"] == Thread.Type.LINEITEM]
    user_ids = {row[key] for row in line_items for key in ("created_by_user_id", "assigned_to_id")} - {None}
    users, _ = people_short(user_ids, set()) if user_ids else ({}, {})
    context = PageContext(users=users)
    return [
        message_group_payload(
            row, conversation_type=conversation.type, attachments=attachments.get(row["id"], []), context=context
        )
        for row in rows
    ]


_SECOND = timedelta(seconds=1)


def _date_bounds(params: Mapping[str, str]) -> tuple[datetime | None, datetime | None]:
    """``datefrom`` and ``dateto``, inclusive bounds on a group's ``datecreated``. ``dateto`` takes its whole
    second, as ``datecreated`` is written without fractions. (The seed's "older than" / "newer than" are
    reversed, §5.9.)"""
    given = {name: params.get(name, "").strip() for name in ("datefrom", "dateto")}
    date_from = datetime_in(given["datefrom"], parameter="datefrom") if given["datefrom"] else None
    date_to = datetime_in(given["dateto"], parameter="dateto") if given["dateto"] else None
    if date_to is not None and date_to < datetime.max.replace(tzinfo=UTC) - _SECOND:
        return date_from, date_to + _SECOND
    return date_from, None  # to the end of time


# --- #12 --------------------------------------------------------------------------------------------------

_NEWLINE = re.compile(r"\r\n|\r|\n")
# A Message-ID's id-left@id-right as mail carries it: visible ASCII, no spaces; the column's length.
_MESSAGE_ID = re.compile(r"[\x21-\x7e]{1,995}")
MESSAGE_ID_PARAMETERS = ("mail_messsage_id", "mail_message_id")  # the seed's spelling first, then the right one


def _flag(params: Mapping[str, str], name: str, *, default: bool) -> bool:
    value = params.get(name, "").strip().upper()
    if not value:
        return default
    if value not in ("Y", "N"):
        raise InvalidParameter(name, f"{name}: Y or N.")
    return value == "Y"


def _message_type(params: Mapping[str, str]) -> str:
    value = params.get("type", "").strip().upper() or "M"
    if value not in ("M", "N"):
        raise InvalidParameter("type", "type: M (message) or N (note).")
    return value


def _message_id(params: Mapping[str, str]) -> str:
    """The Message-ID to give the thread (without ``<>``), or ""."""
    for name in MESSAGE_ID_PARAMETERS:
        value = params.get(name, "").strip().removeprefix("<").removesuffix(">").strip()
        if value:
            if not _MESSAGE_ID.fullmatch(value):
                raise InvalidParameter(name, f"{name}: not a Message-ID (visible ASCII, no spaces).")
            return value
    return ""


def text_as_html(text: str) -> str:
    """``is_html_message=N``: the text escaped, its line breaks kept as ``<br>``."""
    return "<br>".join(html.escape(line) for line in _NEWLINE.split(text))


def _attachment_tokens(params: Mapping[str, str], *, user: User) -> list[str]:
    """The file ids of ``attachments`` (comma-separated, spaces trimmed), each a file the key may see (else
    404); whether one is on a message already is the service's to say."""
    tokens = [token.strip() for token in params.get("attachments", "").split(",") if token.strip()]
    for token in tokens:
        if attachment_visible_to(user=user, token=token) is None:
            raise NotFound(f"File {token} not found.")
    return tokens


class ConversationMessagesView(LiveAgentView):
    """Atomic: #12 takes files already uploaded (#31), so nothing is downloaded while the request's
    transaction is open."""

    def get(self, request: Request, conversationid: str) -> Response:
        conversation = conversation_visible(user=self.user, conversationid=conversationid)
        date_from, date_before = _date_bounds(self.params())
        threads = Thread.objects.filter(conversation=conversation, state=Thread.State.PUBLISHED)
        if date_from is not None:
            threads = threads.filter(created_at__gte=date_from)
        if date_before is not None:
            threads = threads.filter(created_at__lt=date_before)
        return self.answer({"groups": message_groups(conversation, threads)})

    def post(self, request: Request, conversationid: str) -> Response:
        conversation = conversation_visible(user=self.user, conversationid=conversationid)
        params = self.params()
        text = params.get("message", "")
        if not text.strip():
            raise InvalidParameter("message", "message: required.")
        message_type = _message_type(params)
        is_html = _flag(params, "is_html_message", default=False)
        send = not _flag(params, "do_not_send_mail", default=False)
        # The department's template is its signature, added to the email as the agent UI's replies add it.
        signature = _flag(params, "use_template", default=True)
        message_id = _message_id(params)
        actor = actor_from(params, key_user=self.user)
        tokens = _attachment_tokens(params, user=self.user)
        # Without an acting agent only notes are made, whatever the type (the seed's note).
        reply = message_type == "M" and actor is not None
        thread = NewThread(
            type=Thread.Type.MESSAGE if reply else Thread.Type.NOTE,
            body=text if is_html else text_as_html(text),  # thread_create sanitises HTML
            user=actor,
            message_id=message_id,
            attachment_tokens=tokens,
        )
        email = ReplyEmail(send=send, signature=signature, own_message_id=bool(message_id))
        with service_errors_at({"body": "message", "attachment_tokens": "attachments"}):
            thread_create(conversation=conversation, thread=thread, email=email)
        return self.ok()


urlpatterns = [
    endpoint(
        r"conversations/(?P<conversationid>[^/]+?)/messages",
        ConversationMessagesView.as_view(),
        name="liveagent-conversation-messages",
    ),
]
