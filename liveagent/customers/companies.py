"""Companies: #3 ``GET /companies`` (all the key may see, in one query) and #4 ``GET /companies/{companyid}``.

A regular key sees the companies of the customers it may see and those no customer belongs to
(``companies_visible_through_api``); any other company is unknown (404)."""

from rest_framework.request import Request
from rest_framework.response import Response

from customers.selectors import companies_visible_through_api
from liveagent.customers.lookup import company_visible, customer_groups_in_order
from liveagent.customers.payloads import company_payload, company_row
from liveagent.plumbing.views import LiveAgentView


class CompanyListView(LiveAgentView):
    def get(self, request: Request) -> Response:
        companies = companies_visible_through_api(user=self.user).order_by("name", "id")
        return self.answer({"companies": [company_row(company) for company in companies]})


class CompanyView(LiveAgentView):
    def get(self, request: Request, companyid: str) -> Response:
        company = company_visible(user=self.user, companyid=companyid)
        return self.answer(company_payload(company, groups=customer_groups_in_order(company.groups.all())))
