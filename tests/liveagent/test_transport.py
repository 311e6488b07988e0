"""HTTP behaviour shared by every LiveAgent operation (reference §1): where the key may travel, what a
refused key answers, and errors in the envelope and format the path asks for, before and after routing."""

import json

import pytest
from django.test import Client
from django.test.client import RequestFactory, encode_multipart

from helpdesk import dialects
from helpdesk.models import User
from helpdesk.services import api_key_create, api_key_revoke, user_update
from tests.liveagent.helpers import STATUS, assert_error, envelope

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"


def form(**fields: str) -> str:
    from urllib.parse import urlencode

    return urlencode(fields)


# --- Where the key travels ------------------------------------------------------------------------------


def test_key_in_the_query_string(la, admin_key):
    assert la.get(STATUS, {"apikey": admin_key}).status_code == 200


def test_key_in_an_apikey_header(la, admin_key):
    assert la.get(STATUS, HTTP_APIKEY=admin_key).status_code == 200


def test_key_in_a_urlencoded_body_of_a_get(la, admin_key):
    assert la.generic("GET", STATUS, form(apikey=admin_key), content_type=FORM).status_code == 200


@pytest.mark.parametrize("method", ["PUT", "DELETE", "POST"])
def test_key_in_a_urlencoded_body_on_any_method(la, admin_key, method):
    # Authentication runs before the method is checked: a key read from the body gives 405 (the route only
    # answers GET), no key 401. So 405 proves that the body's key was read, on PUT and DELETE too, whose
    # bodies Django's request.POST ignores.
    response = la.generic(method, STATUS, form(apikey=admin_key, note="x"), content_type=FORM)
    body = assert_error(response, 405)
    assert "Method" in body["errormessage"]
    assert response["Allow"] == "GET, HEAD"
    assert_error(la.generic(method, STATUS, form(note="x"), content_type=FORM), 401)


def test_key_in_a_multipart_body(la, admin_key):
    # The seed's POST examples hand a PHP array to CURLOPT_POSTFIELDS: multipart/form-data.
    assert_error(la.post(STATUS, {"apikey": admin_key, "name": "x"}), 405)
    boundary = "BoUnDaRy"
    body = encode_multipart(boundary, {"apikey": admin_key})
    response = la.generic("PUT", STATUS, body, content_type=f"multipart/form-data; boundary={boundary}")
    assert_error(response, 405)


def test_key_in_a_json_body(la, admin_key):
    response = la.generic("DELETE", STATUS, json.dumps({"apikey": admin_key}), content_type="application/json")
    assert_error(response, 405)


def test_the_body_wins_over_the_query_string(la, admin_key):
    response = la.generic("PUT", f"{STATUS}?apikey=wrong-key-wrong-key", form(apikey=admin_key), content_type=FORM)
    assert_error(response, 405)


# --- Refused keys ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml", "yaml"])
def test_no_key_is_401_in_every_format(la, fmt):
    response = la.get(f"{STATUS}.{fmt}")
    body = assert_error(response, 401, fmt)
    assert "apikey" in body["errormessage"]
    assert body["debugmessage"] in ("", None)
    assert response["WWW-Authenticate"]


def test_a_wrong_key_is_401(la, admin_key):
    body = assert_error(la.get(STATUS, {"apikey": "0123456789abcdef0123456789abcdef"}), 401)
    assert body["errormessage"] == "Wrong API key."
    assert_error(la.get(f"{STATUS}.xml", HTTP_APIKEY="short"), 401, "xml")


def test_a_revoked_key_is_400(la, admin):
    api_key, raw_key = api_key_create(user=admin)
    api_key_revoke(api_key=api_key)
    body = assert_error(la.get(STATUS, {"apikey": raw_key}), 400)
    assert body["errormessage"] == "This API key has been revoked."


def test_a_disabled_users_key_is_400(la, agent):
    # Disabling revokes the keys the user had (issue 20); a key made for them while disabled is refused so.
    user_update(user=agent, status=User.Status.DISABLED)
    raw_key = api_key_create(user=agent)[1]
    body = assert_error(la.get(f"{STATUS}.xml", {"apikey": raw_key}), 400, "xml")
    assert body["errormessage"] == "This API key's user is disabled."


# --- Errors before and around the views -----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml", "yaml"])
def test_an_unknown_route_is_404_in_the_asked_format(la, fmt):
    suffix = "" if fmt == "json" else f".{fmt}"
    assert_error(la.get(f"/liveagent/api/nope{suffix}"), 404, fmt)
    assert_error(la.get(f"/liveagent/api/application/nope{suffix}?apikey=x"), 404, fmt)


def test_an_oversized_body_is_413(la, admin_key, settings):
    big = form(apikey=admin_key, note="x" * settings.HELPDESK_MAX_JSON_BYTES)
    assert_error(la.generic("PUT", f"{STATUS}.xml", big, content_type=FORM), 413, "xml")
    # POST may carry files, up to the larger limit.
    assert_error(la.generic("POST", STATUS, big, content_type=FORM), 405)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    assert_error(la.generic("POST", STATUS, big, content_type=FORM), 413)


def test_nul_in_the_query_is_400_naming_the_parameter(la, admin_key):
    body = assert_error(la.get(f"{STATUS}.xml?apikey={admin_key}&subject=a%00b"), 400, "xml")
    assert body["debugmessage"] == "subject"


def test_nul_in_the_body_is_400_naming_the_parameter(la, admin_key):
    response = la.generic("PUT", STATUS, form(apikey=admin_key, note="a\x00b"), content_type=FORM)
    body = assert_error(response, 400)
    assert body["debugmessage"] == "note"


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ('{"customfields": [{"code": "n", "value": 18446744073709551616}]}', "customfields"),  # beyond 64 bits
        ('{"customfields": [{"code": "n", "value": "\\ud800"}]}', "customfields"),  # a lone surrogate inside
        ('{"note": "a\\udfffb"}', "note"),  # and at the top
    ],
)
def test_json_that_no_text_can_hold_is_400_naming_the_parameter(la, admin_key, body, parameter):
    response = la.generic("PUT", f"{STATUS}?apikey={admin_key}", body, content_type="application/json")
    assert assert_error(response, 400)["debugmessage"] == parameter


def test_json_nested_too_deeply_is_400(la, admin_key):
    body = '{"customfields": ' + "[" * 5_000 + "]" * 5_000 + "}"
    response = la.generic("PUT", f"{STATUS}?apikey={admin_key}", body, content_type="application/json")
    assert "nested too deeply" in assert_error(response, 400)["errormessage"]


def test_a_query_value_over_4000_characters_is_400_naming_it(la, admin_key):
    response = la.get(f"/liveagent/api/conversations.xml?apikey={admin_key}&subject={'x' * 50_001}")
    assert assert_error(response, 400, "xml")["debugmessage"] == "subject"
    assert la.get("/liveagent/api/conversations", {"apikey": admin_key, "subject": "é" * 4_000}).status_code == 200


def test_malformed_bodies_are_400_and_unknown_media_types_415(la, admin_key):
    assert_error(la.generic("PUT", f"{STATUS}?apikey={admin_key}", "{nope", content_type="application/json"), 400)
    assert_error(la.generic("PUT", f"{STATUS}?apikey={admin_key}", "[1, 2]", content_type="application/json"), 400)
    assert_error(la.generic("PUT", f"{STATUS}?apikey={admin_key}", "apikey", content_type="text/plain"), 415)


def test_a_server_fault_is_500_in_the_envelope():
    request = RequestFactory().get("/liveagent/api/conversations.xml")
    response = dialects.handler500(request)
    assert response.status_code == 500
    assert envelope(response) == {
        "status": "ERROR",
        "statuscode": "500",
        "errormessage": "Internal server error.",
        "debugmessage": "",
    }


def test_cors_preflight_allows_the_apikey_header(settings, db):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    response = Client().options(
        STATUS,
        HTTP_ORIGIN="https://app.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="apikey",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "apikey" in response["Access-Control-Allow-Headers"].lower()


# --- The FreeScout API keeps its own shape --------------------------------------------------------------


def test_freescout_paths_are_unaffected(la, admin_key):
    for response in (
        la.get("/api/nope.xml"),
        la.get("/api/conversations?query=a%00b"),
        la.get(f"/api/conversations?apikey={admin_key}"),  # LiveAgent's parameter is no FreeScout key
    ):
        assert response["Content-Type"] == "application/json"
        assert {"message", "errorCode", "_embedded"} <= set(response.json()), response.content
    assert la.get("/api/conversations", HTTP_X_FREESCOUT_API_KEY=admin_key).status_code == 200
