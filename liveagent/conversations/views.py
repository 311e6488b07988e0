"""#9 list, #10 show, #6 delete, #13 status, #5 attendants (reference §4.3). Each write is one call to the
service the FreeScout API and the admin call too, inside the request's transaction, so the same line items,
webhooks and emails follow. The actor is ``useridentifier`` or System (``liveagent.agents.actor_from``);
a ``note`` is plain text, added as a note thread after the change."""

from django.utils.html import linebreaks
from rest_framework.request import Request
from rest_framework.response import Response

from conversations.models import Conversation
from conversations.selectors import conversations_visible_to
from conversations.services.lifecycle import conversation_change_status, conversation_delete, conversation_transfer
from liveagent.agents import actor_from, agent_by_identifier
from liveagent.conversations.codes import STATUS_ACKNOWLEDGES, STATUSES_SETTABLE
from liveagent.conversations.filters import conversations_filtered
from liveagent.conversations.lookup import conversation_visible
from liveagent.conversations.payloads import conversation_payload, conversation_row_payload, conversations_for_payload
from liveagent.departments import department_visible
from liveagent.plumbing.errors import InvalidParameter, service_errors_at
from liveagent.plumbing.views import LiveAgentView

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def _note(params: dict[str, str]) -> str:
    """The ``note`` as the HTML a note thread holds: escaped, its lines kept; "" for none."""
    text = params.get("note", "")
    return linebreaks(text, autoescape=True) if text.strip() else ""


class ConversationListView(LiveAgentView):
    def get(self, request: Request) -> Response:
        page = self.page(default_limit=DEFAULT_LIMIT, max_limit=MAX_LIMIT)
        visible = conversations_visible_to(user=self.user)
        filtered = conversations_filtered(self.params(), queryset=visible, request=request)
        rows = conversations_for_payload(filtered.order_by("-created_at", "-id")[page.slice])
        return self.answer({"conversations": [conversation_row_payload(row) for row in rows]})


class ConversationView(LiveAgentView):
    def get(self, request: Request, conversationid: str) -> Response:
        found = conversation_visible(user=self.user, conversationid=conversationid)
        [read] = conversations_for_payload(Conversation.objects.filter(pk=found.pk), with_fields=True)
        return self.answer(conversation_payload(read))

    def delete(self, request: Request, conversationid: str) -> Response:
        """Moves to Deleted (status X), as LiveAgent's delete does; the FreeScout API's DELETE erases."""
        conversation = conversation_visible(user=self.user, conversationid=conversationid)
        params = self.params()
        actor = actor_from(params, key_user=self.user)
        with service_errors_at({"body": "note"}):
            conversation_delete(conversation=conversation, by_user=actor, note=_note(params))
        return self.ok()


class ConversationStatusView(LiveAgentView):
    def put(self, request: Request, conversationid: str) -> Response:
        conversation = conversation_visible(user=self.user, conversationid=conversationid)
        params = self.params()
        code = params.get("status", "").strip()
        if not code:
            raise InvalidParameter("status", "Parameter status is missing.")
        if code not in STATUSES_SETTABLE:
            raise InvalidParameter("status", f"Parameter status: {code} cannot be set; use A, R or C.")
        if conversation.state == Conversation.State.DRAFT:
            raise InvalidParameter("status", "A draft (status I) takes a status once it is sent.")
        actor = actor_from(params, key_user=self.user)
        with service_errors_at({"body": "note"}):
            # Set here, it reads back as set: Open acknowledges (C, not N), and any status leaves Deleted (X).
            conversation_change_status(
                conversation=conversation,
                status=STATUSES_SETTABLE[code],
                by_user=actor,
                acknowledge=code == STATUS_ACKNOWLEDGES,
                restore=True,
                note=_note(params),
            )
        return self.ok()


class ConversationAttendantsView(LiveAgentView):
    def put(self, request: Request, conversationid: str) -> Response:
        """Moves to ``department``, then assigns to ``agentidentifier`` (who needs access to the department it
        ends in, else 400); one of them is required."""
        conversation = conversation_visible(user=self.user, conversationid=conversationid)
        params = self.params()
        departmentid = params.get("department", "").strip()
        agentidentifier = params.get("agentidentifier", "").strip()
        if not departmentid and not agentidentifier:
            raise InvalidParameter("department", "Give a department, an agentidentifier, or both.")
        mailbox = department_visible(user=self.user, departmentid=departmentid) if departmentid else None
        assignee = agent_by_identifier(agentidentifier) if agentidentifier else None
        actor = actor_from(params, key_user=self.user)
        with service_errors_at({"assignee": "agentidentifier", "mailbox": "department", "body": "note"}):
            conversation_transfer(
                conversation=conversation, mailbox=mailbox, assignee=assignee, by_user=actor, note=_note(params)
            )
        return self.ok()
