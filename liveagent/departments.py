"""Departments are our mailboxes. #28 ``GET /departments``, #29 ``GET /departments/{departmentid}``; and the
lookup every operation taking a ``department`` parameter uses. A regular key sees its mailboxes only: any
other department is unknown (404)."""

from django.db.models import QuerySet
from django.utils import timezone
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.models import User
from liveagent.ids import Kind, id_encode, pk_decode
from liveagent.plumbing.views import LiveAgentView
from mailboxes.models import Mailbox
from mailboxes.selectors import mailboxes_accessible_by
from presence.selectors import mailbox_online_status

# What #28 and #29 show of the services online in a department (reference §4.4): chat, phone and tickets
# of its online agents, "" when nobody is online there (#40 shows every letter, and F).
DEPARTMENT_SERVICES = "MPT"


def department_id(mailbox_id: int) -> str:
    return id_encode(Kind.DEPARTMENT, mailbox_id)


def department_visible(*, user: User, departmentid: str) -> Mailbox:
    """The mailbox ``departmentid`` names, if ``user`` may see it; else 404."""
    pk = pk_decode(Kind.DEPARTMENT, departmentid)
    mailbox = mailboxes_accessible_by(user=user).filter(pk=pk).first() if pk is not None else None
    if mailbox is None:
        raise NotFound(f"Department {departmentid} not found.")
    return mailbox


def department_payload(mailbox: Mailbox, *, online: str) -> dict[str, str]:
    """``online``: the letters of the department's online agents (``presence.selectors``)."""
    return {
        "departmentid": department_id(mailbox.pk),
        "name": mailbox.name,
        "onlinestatus": "".join(letter for letter in online if letter in DEPARTMENT_SERVICES),
        # Mailboxes are deleted for good, never marked.
        "deleted": "N",
    }


def _payloads(mailboxes: list[Mailbox]) -> list[dict[str, str]]:
    online = mailbox_online_status(mailbox_ids=[m.pk for m in mailboxes], now=timezone.now())
    return [department_payload(m, online=online[m.pk]) for m in mailboxes]


def _departments(user: User) -> QuerySet[Mailbox]:
    return mailboxes_accessible_by(user=user).order_by("name", "id")


class DepartmentListView(LiveAgentView):
    def get(self, request: Request) -> Response:
        return self.answer({"departments": _payloads(list(_departments(self.user)))})


class DepartmentView(LiveAgentView):
    def get(self, request: Request, departmentid: str) -> Response:
        return self.answer(_payloads([department_visible(user=self.user, departmentid=departmentid)])[0])
