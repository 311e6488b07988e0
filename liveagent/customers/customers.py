"""Customers: #19 ``GET /customers/{customeridentifier}``, their custom field values (#17 DELETE, #18 POST
``…/fields``) and their groups (#20 DELETE, #21 GET, #22 POST ``…/groups``).

``{customeridentifier}`` is an email (any case) or a contactid, among the customers the key may see; any
other, for reading or writing, is unknown (404). Values accumulate (#18 adds, #17 deletes by code or all,
§4.3). Groups are joined and left by ``name``: joining a group no group is named creates it, leaving one the
customer is not in is no change (§4.3)."""

from rest_framework.request import Request
from rest_framework.response import Response

from customers.group_services import customer_add_to_group, customer_remove_from_group
from customers.services import customer_field_values_add, customer_field_values_delete
from liveagent.custom_fields import CUSTOM_FIELDS, custom_field_values_param, field_code_param
from liveagent.customers.groups import group_name_param
from liveagent.customers.lookup import customer_groups_in_order, customer_visible
from liveagent.customers.payloads import customer_payload, memberships_payload
from liveagent.plumbing.errors import service_errors_at
from liveagent.plumbing.views import LiveAgentView

# The core names the values it refuses ``customer_fields[i].code`` / ``.value``.
_CUSTOMER_FIELDS_AT = {"customer_fields": CUSTOM_FIELDS}


class CustomerView(LiveAgentView):
    def get(self, request: Request, customeridentifier: str) -> Response:
        customer = customer_visible(user=self.user, customeridentifier=customeridentifier)
        return self.answer(customer_payload(customer))


class CustomerFieldsView(LiveAgentView):
    def delete(self, request: Request, customeridentifier: str) -> Response:
        customer = customer_visible(user=self.user, customeridentifier=customeridentifier)
        customer_field_values_delete(customer=customer, code=field_code_param(self.params()))
        return self.ok()

    def post(self, request: Request, customeridentifier: str) -> Response:
        customer = customer_visible(user=self.user, customeridentifier=customeridentifier)
        values = custom_field_values_param(self.params())
        with service_errors_at(_CUSTOMER_FIELDS_AT):
            customer_field_values_add(customer=customer, values=values)
        return self.ok()


class CustomerGroupsView(LiveAgentView):
    def delete(self, request: Request, customeridentifier: str) -> Response:
        customer = customer_visible(user=self.user, customeridentifier=customeridentifier)
        customer_remove_from_group(customer=customer, name=group_name_param(self.params()))
        return self.ok()

    def get(self, request: Request, customeridentifier: str) -> Response:
        customer = customer_visible(user=self.user, customeridentifier=customeridentifier)
        return self.answer({"groups": memberships_payload(customer_groups_in_order(customer.groups.all()))})

    def post(self, request: Request, customeridentifier: str) -> Response:
        customer = customer_visible(user=self.user, customeridentifier=customeridentifier)
        customer_add_to_group(customer=customer, name=group_name_param(self.params()))
        return self.ok()
