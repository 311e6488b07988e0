"""Customers groups: #23 DELETE, #24 GET, #27 PUT ``/customersgroups/{groupid}``; #25 GET, #26 POST
``/customersgroups``.

Groups are configuration: every key reads them (#24, #25), only an admin's key changes them (#23, #26,
#27: 403 otherwise, reference §1). Who belongs to a group is read per customer (#21) or company (#4), through
the ones the key may see. Names are unique case-insensitively (a taken one is a 400); ``color`` and
``bg_color`` are six hexadecimal digits without ``#``, or empty."""

from collections.abc import Mapping

from rest_framework.request import Request
from rest_framework.response import Response

from customers.group_services import customer_group_create, customer_group_delete, customer_group_update
from customers.models import CustomerGroup
from liveagent.customers.lookup import customer_group_by_id, customer_groups_in_order
from liveagent.customers.payloads import customers_group_payload, customers_group_row
from liveagent.plumbing.errors import InvalidParameter, service_errors_at
from liveagent.plumbing.permissions import HasApiKey, IsAdminKey
from liveagent.plumbing.views import LiveAgentView

# The core's names of the colours, by the parameters that carry them.
_COLOURS_AT = {"text_color": "color", "background_color": "bg_color"}


def group_name_param(params: Mapping[str, str]) -> str:
    """The mandatory ``name`` of #20, #22 and #26."""
    name = params.get("name", "").strip()
    if not name:
        raise InvalidParameter("name", "Parameter name is missing.")
    return name


class _GroupWrites(LiveAgentView):
    """Reads for every key, writes for an admin's."""

    def get_permissions(self) -> list[HasApiKey]:
        return [HasApiKey() if self.request.method in ("GET", "HEAD") else IsAdminKey()]


class CustomersGroupListView(_GroupWrites):
    def get(self, request: Request) -> Response:
        groups = customer_groups_in_order(CustomerGroup.objects.all())
        return self.answer({"groups": [customers_group_row(group) for group in groups]})

    def post(self, request: Request) -> Response:
        params = self.params()
        with service_errors_at(_COLOURS_AT):
            group = customer_group_create(
                name=group_name_param(params),
                text_color=params.get("color", ""),
                background_color=params.get("bg_color", ""),
            )
        # "statuscode" is the string "0" here, as the seed's example has it (§1).
        return self.answer({"status": "OK", "statuscode": "0", **customers_group_payload(group)})


class CustomersGroupView(_GroupWrites):
    def delete(self, request: Request, groupid: str) -> Response:
        customer_group_delete(group=customer_group_by_id(groupid))
        return self.ok()

    def get(self, request: Request, groupid: str) -> Response:
        return self.answer(customers_group_payload(customer_group_by_id(groupid)))

    def put(self, request: Request, groupid: str) -> Response:
        group = customer_group_by_id(groupid)
        params = self.params()
        with service_errors_at(_COLOURS_AT):
            customer_group_update(
                group=group,
                name=params.get("name"),
                text_color=params.get("color"),
                background_color=params.get("bg_color"),
            )
        return self.ok()
