"""Departments are our mailboxes. #28 ``GET /departments``, #29 ``GET /departments/{departmentid}``; and the
lookup every operation taking a ``department`` parameter uses. A regular key sees its mailboxes only: any
other department is unknown (404)."""

from django.db.models import QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.models import User
from liveagent.ids import Kind, id_encode, pk_decode
from liveagent.plumbing.views import LiveAgentView
from mailboxes.models import Mailbox
from mailboxes.selectors import mailboxes_accessible_by

# Mailboxes are deleted for good, never marked; presence (which services are online) comes with part 3:
# until then a department offers tickets only ("M", automatic ticket solving).
ONLINE_STATUS = "M"


def department_id(mailbox_id: int) -> str:
    return id_encode(Kind.DEPARTMENT, mailbox_id)


def department_visible(*, user: User, departmentid: str) -> Mailbox:
    """The mailbox ``departmentid`` names, if ``user`` may see it; else 404."""
    pk = pk_decode(Kind.DEPARTMENT, departmentid)
    mailbox = mailboxes_accessible_by(user=user).filter(pk=pk).first() if pk is not None else None
    if mailbox is None:
        raise NotFound(f"Department {departmentid} not found.")
    return mailbox


def department_payload(mailbox: Mailbox) -> dict[str, str]:
    return {
        "departmentid": department_id(mailbox.pk),
        "name": mailbox.name,
        "onlinestatus": ONLINE_STATUS,
        "deleted": "N",
    }


def _departments(user: User) -> QuerySet[Mailbox]:
    return mailboxes_accessible_by(user=user).order_by("name", "id")


class DepartmentListView(LiveAgentView):
    def get(self, request: Request) -> Response:
        return self.answer({"departments": [department_payload(m) for m in _departments(self.user)]})


class DepartmentView(LiveAgentView):
    def get(self, request: Request, departmentid: str) -> Response:
        return self.answer(department_payload(department_visible(user=self.user, departmentid=departmentid)))
