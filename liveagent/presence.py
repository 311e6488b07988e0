"""Online status of agents and departments: #39 ``GET /onlinestatus/agents``, #40 ``GET /onlinestatus/departments``
(issue 17; presence itself lives in ``presence``, whose selectors these views read).

Any key may call them. A regular key sees the agents #1 lets it find (itself and whoever can access one of
its mailboxes) and the departments of its mailboxes; an admin's key every agent but the deleted and every
department. A department's ``onlineStatus`` is the union of the letters of its online agents (admins access
every mailbox), ``F`` when nobody is online there. The deprecated counters count its conversations as #9
would filter them: new N, customer reply C (open: the customer wrote after an agent took it up), chats T
(none here), total N + C + T; ``max_count`` is the largest total among the departments listed, so that a
regular key learns nothing of the others."""

from django.db.models import Count
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from conversations.models import Conversation
from helpdesk.links import file_url
from helpdesk.models import User
from liveagent.agents import agent_contactid, agent_userid
from liveagent.conversations.codes import STATUS_FILTERS
from liveagent.departments import department_id
from liveagent.plumbing.routes import endpoint
from liveagent.plumbing.views import LiveAgentView
from mailboxes.models import Mailbox
from mailboxes.selectors import mailboxes_accessible_by, users_sharing_a_mailbox_with
from presence.models import OFFLINE
from presence.selectors import mailbox_online_status, online_status_of, preset_status_of


def _agent_row(user: User, *, preset: str, online: str) -> dict[str, str]:
    return {
        "id": agent_userid(user.pk),
        "contactid": agent_contactid(user.pk),
        "username": user.email,
        "firstname": user.first_name,
        "lastname": user.last_name,
        "avatar_url": file_url(user.photo),
        "presetStatus": preset,
        "onlineStatus": online,
    }


class AgentsOnlineStatusView(LiveAgentView):
    def get(self, request: Request) -> Response:
        agents = list(
            users_sharing_a_mailbox_with(user=self.user)
            .only("pk", "email", "first_name", "last_name", "photo")
            .order_by("first_name", "last_name", "pk")
        )
        presets = preset_status_of(users=agents)
        online = online_status_of(users=agents, now=timezone.now())
        rows = [_agent_row(agent, preset=presets[agent.pk], online=online[agent.pk]) for agent in agents]
        return self.answer({"agentsOnlineStates": rows})


def _new_and_open(mailbox_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Conversations of status N and C per mailbox (every requested id is a key)."""
    rows = (
        Conversation.objects.filter(mailbox_id__in=mailbox_ids)
        .values("mailbox_id")
        .annotate(new=Count("pk", filter=STATUS_FILTERS["N"]), open=Count("pk", filter=STATUS_FILTERS["C"]))
        .order_by()
        .values_list("mailbox_id", "new", "open")
    )
    counts = {mailbox_id: (new, open_) for mailbox_id, new, open_ in rows}
    return {pk: counts.get(pk, (0, 0)) for pk in mailbox_ids}


class DepartmentsOnlineStatusView(LiveAgentView):
    def get(self, request: Request) -> Response:
        mailboxes = list(mailboxes_accessible_by(user=self.user).only("pk", "name").order_by("name", "pk"))
        ids = [mailbox.pk for mailbox in mailboxes]
        online = mailbox_online_status(mailbox_ids=ids, now=timezone.now())
        counts = _new_and_open(ids)
        # No live chats here, so no conversation is ever T (chatting): totals are N + C.
        most = max((new + open_ for new, open_ in counts.values()), default=0)
        rows = [_department_row(m, online=online[m.pk], counts=counts[m.pk], most=most) for m in mailboxes]
        return self.answer({"departmentsOnlineStates": rows})


def _department_row(mailbox: Mailbox, *, online: str, counts: tuple[int, int], most: int) -> dict[str, str]:
    new, open_ = counts
    return {
        "id": department_id(mailbox.pk),
        "name": mailbox.name,
        "onlineStatus": online or OFFLINE,
        "chat_count": "0",
        "new_count": str(new),
        "customer_reply_count": str(open_),
        "total_count": str(new + open_),
        "max_count": str(most),
    }


urlpatterns = [
    endpoint(r"onlinestatus/agents", AgentsOnlineStatusView.as_view(), name="liveagent-onlinestatus-agents"),
    endpoint(
        r"onlinestatus/departments", DepartmentsOnlineStatusView.as_view(), name="liveagent-onlinestatus-departments"
    ),
]
