"""Agents are our users. ``agentidentifier`` and ``useridentifier`` name one by email or by userid; the
actor of a write is ``useridentifier``, or System without it (reference §2, "Parameter notes").

#1 ``GET /agents/{agentidentifier}``. Reference §1 scopes a regular key to its mailboxes' data and says
nothing of agents: such a key finds the agents it meets there, itself and whoever can access one of its
mailboxes (``users_sharing_a_mailbox_with``); any other agent is unknown (404), as an invisible id is
everywhere else. An admin's key finds every agent but the deleted."""

from django.db.models import QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.models import User
from helpdesk.services import user_act_as_check
from liveagent.ids import Kind, id_encode, pk_decode
from liveagent.plumbing.routes import endpoint
from liveagent.plumbing.views import LiveAgentView
from mailboxes.selectors import users_sharing_a_mailbox_with

# The actor LiveAgent names when no user did something (line items, imports).
SYSTEM_USERID = "system"
MAX_EMAIL_CHARS = User._meta.get_field("email").max_length or 254
# The cookie LiveAgent's agent panel authenticates with (the seed's example); informative only, as
# ``authtoken``, its value, is always empty here.
AGENT_COOKIE = "A_auth"


def agent_userid(pk: int) -> str:
    return id_encode(Kind.AGENT_USER, pk)


def agent_contactid(pk: int) -> str:
    return id_encode(Kind.AGENT_CONTACT, pk)


def agent_by_identifier(identifier: str, *, among: QuerySet[User] | None = None) -> User:
    """The active or disabled (not deleted) agent with this email or userid, among ``among`` when given
    (the agents a key may see), else 404."""
    agents = (User.objects.all() if among is None else among).exclude(status=User.Status.DELETED)
    pk = pk_decode(Kind.AGENT_USER, identifier)
    if pk is None and len(identifier.strip()) > MAX_EMAIL_CHARS:
        # No address is this long, and SQLite refuses a LIKE (iexact) pattern over 50,000 bytes as a 500.
        raise NotFound(f"Agent {identifier[:100]} not found.")
    agent = agents.filter(pk=pk).first() if pk is not None else agents.filter(email__iexact=identifier.strip()).first()
    if agent is None:
        raise NotFound(f"Agent {identifier} not found.")
    return agent


def actor_from(params: dict[str, str], *, key_user: User) -> User | None:
    """Who does what the request asks: the agent ``useridentifier`` names (a regular key may only name its
    own user: 403), or None (System) without it."""
    identifier = params.get("useridentifier", "").strip()
    if not identifier:
        return None
    actor = agent_by_identifier(identifier)
    user_act_as_check(actor=key_user, user=actor)
    return actor


def agent_role(user: User) -> str:
    """LiveAgent's D Administrator or A Agent. O (Owner, the account's holder) is never given: our admins
    are all alike, none owns the installation more than another."""
    return "D" if user.is_admin else "A"


def agent_payload(user: User) -> dict[str, str | None]:
    return {
        "contactid": agent_contactid(user.pk),
        "userid": agent_userid(user.pk),
        "email": user.email,
        "firstname": user.first_name,
        "lastname": user.last_name,
        "systemname": user.get_full_name(),
        # A read API mints no login tokens (reference §4.5): the key could otherwise log in as its agent.
        "authtoken": "",
        "browsercookiename": AGENT_COOKIE,
        "gender": user.gender or None,
        "role": agent_role(user),
    }


class AgentView(LiveAgentView):
    def get(self, request: Request, agentidentifier: str) -> Response:
        agent = agent_by_identifier(agentidentifier, among=users_sharing_a_mailbox_with(user=self.user))
        return self.answer(agent_payload(agent))


urlpatterns = [
    endpoint(r"agents/(?P<agentidentifier>[^/]+?)", AgentView.as_view(), name="liveagent-agent"),
]
