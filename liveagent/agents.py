"""Agents are our users. ``agentidentifier`` and ``useridentifier`` name one by email or by userid; the
actor of a write is ``useridentifier``, or System without it (reference §2, "Parameter notes")."""

from rest_framework.exceptions import NotFound

from helpdesk.models import User
from helpdesk.services import user_act_as_check
from liveagent.ids import Kind, id_encode, pk_decode

# The actor LiveAgent names when no user did something (line items, imports).
SYSTEM_USERID = "system"


def agent_userid(pk: int) -> str:
    return id_encode(Kind.AGENT_USER, pk)


def agent_contactid(pk: int) -> str:
    return id_encode(Kind.AGENT_CONTACT, pk)


def agent_by_identifier(identifier: str) -> User:
    """The active or disabled (not deleted) agent with this email or userid, else 404."""
    agents = User.objects.exclude(status=User.Status.DELETED)
    pk = pk_decode(Kind.AGENT_USER, identifier)
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

urlpatterns: list = []
