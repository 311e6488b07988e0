"""The routes of customers (#17 to #22), customers groups (#23 to #27) and companies (#3, #4)."""

from django.urls import URLPattern

from liveagent.customers.companies import CompanyListView, CompanyView
from liveagent.customers.customers import CustomerFieldsView, CustomerGroupsView, CustomerView
from liveagent.customers.groups import CustomersGroupListView, CustomersGroupView
from liveagent.plumbing.routes import endpoint

# A path value ends lazily ("[^/]+?") so that it leaves a format suffix to the route.
CUSTOMER = r"customers/(?P<customeridentifier>[^/]+?)"

urlpatterns: list[URLPattern] = [
    endpoint(CUSTOMER, CustomerView.as_view(), name="liveagent-customer"),
    endpoint(rf"{CUSTOMER}/fields", CustomerFieldsView.as_view(), name="liveagent-customer-fields"),
    endpoint(rf"{CUSTOMER}/groups", CustomerGroupsView.as_view(), name="liveagent-customer-groups"),
    endpoint(r"customersgroups", CustomersGroupListView.as_view(), name="liveagent-customersgroups"),
    endpoint(r"customersgroups/(?P<groupid>[^/]+?)", CustomersGroupView.as_view(), name="liveagent-customersgroup"),
    endpoint(r"companies", CompanyListView.as_view(), name="liveagent-companies"),
    endpoint(r"companies/(?P<companyid>[^/]+?)", CompanyView.as_view(), name="liveagent-company"),
]
