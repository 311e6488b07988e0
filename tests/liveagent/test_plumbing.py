"""The base view's helpers, through small views made for the test: parameters, paging, permissions, HTML
fields, dates, and how exceptions map onto the envelope."""

import json
from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.http import Http404
from rest_framework.test import APIRequestFactory

from helpdesk.errors import Conflict, Invalid, NotAllowed, NotFound
from helpdesk.services import api_key_create
from liveagent.plumbing.dates import check_time_zone, datetime_out
from liveagent.plumbing.errors import InvalidParameter, service_errors_at
from liveagent.plumbing.permissions import IsAdminKey
from liveagent.plumbing.views import LiveAgentView, NonAtomicLiveAgentView
from tests.liveagent.helpers import assert_error, envelope

pytestmark = pytest.mark.django_db

factory = APIRequestFactory()


class EchoParams(LiveAgentView):
    def get(self, request):
        return self.answer(self.params())

    put = delete = post = get


class Paged(LiveAgentView):
    def get(self, request):
        page = self.page(default_limit=100, max_limit=1000)
        return self.answer({"limit": str(page.limit), "offset": str(page.offset)})


class AdminOnly(LiveAgentView):
    permission_classes = [IsAdminKey]

    def delete(self, request):
        return self.ok()


class Article(LiveAgentView):
    html_fields = frozenset({"content"})

    def get(self, request):
        return self.answer({"title": "<b>", "content": "<p>a & b</p>"})


class Raises(LiveAgentView):
    error: Exception = RuntimeError()

    def get(self, request):
        raise self.error


def call(view, request):
    with transaction.atomic():  # as ATOMIC_REQUESTS wraps views that the URLconf calls
        response = view.as_view()(request)
    response.render()
    return response


@pytest.fixture
def key(admin_key):
    return admin_key


def test_params_merge_query_and_body_the_body_winning(key):
    request = factory.put(
        f"/la/x?apikey={key}&a=query&b=query", "a=body&c=body", content_type="application/x-www-form-urlencoded"
    )
    assert envelope(call(EchoParams, request)) == {"apikey": key, "a": "body", "b": "query", "c": "body"}


def test_json_values_become_strings(key):
    body = {"apikey": key, "flag": True, "off": False, "n": 3, "gone": None, "customfields": [{"code": "c"}]}
    request = factory.post("/la/x", json.dumps(body), content_type="application/json")
    assert envelope(call(EchoParams, request)) == {
        "apikey": key,
        "flag": "Y",
        "off": "N",
        "n": "3",
        "customfields": '[{"code":"c"}]',
    }


def test_uploaded_files_are_not_parameters(key):
    request = factory.post("/la/x", {"apikey": key, "name": "a", "file": SimpleUploadedFile("a.txt", b"hi")})
    assert envelope(call(EchoParams, request)) == {"apikey": key, "name": "a"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ("100", "0")),
        ("limit=5&offset=10", ("5", "10")),
        ("limit=5000", ("1000", "0")),
        ("limit=&offset=", ("100", "0")),
        ("limit=" + "9" * 5000, ("1000", "0")),
    ],
)
def test_paging_defaults_and_clamps(key, query, expected):
    body = envelope(call(Paged, factory.get(f"/la/x?apikey={key}&{query}")))
    assert (body["limit"], body["offset"]) == expected


@pytest.mark.parametrize("query", ["limit=-1", "limit=abc", "offset=-5", "offset=1.5", "offset=99999999999"])
def test_bad_paging_is_400_naming_the_parameter(key, query):
    body = assert_error(call(Paged, factory.get(f"/la/x.xml?apikey={key}&{query}")), 400, "xml")
    assert body["debugmessage"] == query.split("=")[0]


def test_admin_only_operations_refuse_other_keys_403(key, agent):
    agent_key = api_key_create(user=agent)[1]
    assert_error(
        call(
            AdminOnly, factory.delete("/la/x", f"apikey={agent_key}", content_type="application/x-www-form-urlencoded")
        ),
        403,
    )
    assert_error(call(AdminOnly, factory.delete("/la/x")), 401)
    response = call(AdminOnly, factory.delete(f"/la/x?apikey={key}"))
    assert response.status_code == 200
    assert response.content == b'{"response":{"status":"OK","statuscode":0}}'


def test_the_views_html_fields_are_cdata_in_xml(key):
    response = call(Article, factory.get(f"/la/x.xml?apikey={key}"))
    assert response.content.endswith(b"<title>&lt;b&gt;</title><content><![CDATA[<p>a & b</p>]]></content></response>")


@pytest.mark.parametrize(
    ("error", "status", "message", "debug"),
    [
        (Http404("no such thing"), 404, "Not found.", ""),
        (PermissionDenied(), 403, "Not allowed for this API key.", ""),
        (ValidationError({"name": ["Too long."]}), 400, "name: Too long.", "name"),
        (ValidationError("Bad."), 400, "Bad.", ""),
        (InvalidParameter("status", "Unknown status code Q."), 400, "Unknown status code Q.", "status"),
        (IntegrityError("unique"), 400, "Conflict with a concurrent change; nothing was written.", ""),
    ],
)
def test_exceptions_map_onto_the_envelope(key, error, status, message, debug):
    class View(Raises):
        pass

    View.error = error
    body = assert_error(call(View, factory.get(f"/la/x?apikey={key}")), status)
    assert (body["errormessage"], body["debugmessage"]) == (message, debug)


def test_domain_errors_map_onto_statuses(key):
    for kind, status in {NotFound: 404, NotAllowed: 403, Conflict: 400, Invalid: 400}.items():

        class View(Raises):
            pass

        View.error = kind("Tag with name urgent already exists.")
        assert_error(call(View, factory.get(f"/la/x?apikey={key}")), status)


def test_a_domain_error_names_the_field_and_its_message_not_a_dict(key):
    class View(Raises):
        error = Invalid({"custom_fields[1].value": ["Not a number."]})

    body = assert_error(call(View, factory.get(f"/la/x?apikey={key}")), 400)
    field = "custom_fields[1].value"
    assert (body["errormessage"], body["debugmessage"]) == (f"{field}: Not a number.", field)


def test_service_errors_at_names_the_operations_parameter(key):
    class View(LiveAgentView):
        def post(self, request):
            with service_errors_at({"custom_fields": "customfields", "text_color": "color"}):
                raise Invalid({"custom_fields[1].value": ["Not a number."]})

    body = assert_error(call(View, factory.post(f"/la/x?apikey={key}")), 400)
    assert (body["errormessage"], body["debugmessage"]) == ("customfields[1].value: Not a number.", "customfields")


def test_an_error_in_a_non_atomic_view_leaves_the_surrounding_transaction_usable(key):
    class View(NonAtomicLiveAgentView):
        def get(self, request):
            raise Invalid("Bad.")

    with transaction.atomic():
        response = View.as_view()(factory.get(f"/la/x?apikey={key}"))
        assert not transaction.get_connection().needs_rollback
    response.render()
    assert_error(response, 400)
    assert getattr(View.as_view(), "_non_atomic_requests", None)


def test_datetime_out(settings):
    assert datetime_out(None) is None
    assert datetime_out(datetime(2024, 1, 31, 23, 30, 5, 999_999, tzinfo=UTC)) == "2024-01-31 23:30:05"
    assert datetime_out(datetime(2024, 1, 31, 23, 30, 5)) == "2024-01-31 23:30:05"  # naive is UTC
    settings.LIVEAGENT_TIME_ZONE = "America/New_York"
    assert datetime_out(datetime(2024, 1, 31, 23, 30, 5, tzinfo=UTC)) == "2024-01-31 18:30:05"


def test_an_unknown_time_zone_fails_the_system_check(settings):
    assert check_time_zone() == []
    settings.LIVEAGENT_TIME_ZONE = "Mars/Olympus"
    assert [error.id for error in check_time_zone()] == ["liveagent.E001"]


def test_the_view_lets_go_of_its_response_once_rendered(la, keys):
    """As the FreeScout dialect's (helpdesk.api_views.ResponseReleasing): a response's data goes with it by
    reference counting, not with the next cyclic collection."""
    for path in ("/liveagent/api/conversations", "/liveagent/api/departments"):
        response = la.get(path, {"apikey": keys[0]})
        assert response.status_code == 200
        assert "response" not in vars(response.renderer_context["view"])
