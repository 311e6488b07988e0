"""The per-operation schemas (liveagent.schema), the check of every v1 response against them
(tests/liveagent/schema_validation.py, run for every test by tests/conftest.py), and the OpenAPI description
served at /liveagent/schema/ and /liveagent/docs/."""

import json
import re
from dataclasses import replace
from typing import Any

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.urls import reverse

from liveagent.ids import Kind, id_encode
from liveagent.plumbing.renderers import RENDERERS, content_type, to_xml
from liveagent.schema import OPERATIONS, entities, operation_for
from liveagent.schema.blocks import Schema
from liveagent.schema.openapi import openapi_document
from liveagent.schema.routes import mount, path_template, routes
from tests.liveagent.helpers import STATUS
from tests.liveagent.schema_validation import body_problems, response_problems

# The URL names other operations must use (liveagent/schema/__init__.py lists them with their paths).
PART_1 = {
    ("liveagent-agent", "GET"): 1,
    ("liveagent-application-status", "GET"): 2,
    ("liveagent-companies", "GET"): 3,
    ("liveagent-company", "GET"): 4,
    ("liveagent-conversation-attendants", "PUT"): 5,
    ("liveagent-conversation", "DELETE"): 6,
    ("liveagent-conversation-fields", "DELETE"): 7,
    ("liveagent-conversation-fields", "POST"): 8,
    ("liveagent-conversations", "GET"): 9,
    ("liveagent-conversation", "GET"): 10,
    ("liveagent-conversation-messages", "GET"): 11,
    ("liveagent-conversation-messages", "POST"): 12,
    ("liveagent-conversation-status", "PUT"): 13,
    ("liveagent-conversation-tags", "DELETE"): 14,
    ("liveagent-conversation-tags", "GET"): 15,
    ("liveagent-conversation-tags", "POST"): 16,
    ("liveagent-customer-fields", "DELETE"): 17,
    ("liveagent-customer-fields", "POST"): 18,
    ("liveagent-customer", "GET"): 19,
    ("liveagent-customer-groups", "DELETE"): 20,
    ("liveagent-customer-groups", "GET"): 21,
    ("liveagent-customer-groups", "POST"): 22,
    ("liveagent-customersgroup", "DELETE"): 23,
    ("liveagent-customersgroup", "GET"): 24,
    ("liveagent-customersgroups", "GET"): 25,
    ("liveagent-customersgroups", "POST"): 26,
    ("liveagent-customersgroup", "PUT"): 27,
    ("liveagent-departments", "GET"): 28,
    ("liveagent-department", "GET"): 29,
    ("liveagent-file", "GET"): 30,
    ("liveagent-files", "POST"): 31,
    ("liveagent-tag", "DELETE"): 62,
    ("liveagent-tags", "GET"): 63,
    ("liveagent-tag", "GET"): 64,
    ("liveagent-tags", "POST"): 65,
    ("liveagent-tag", "PUT"): 66,
    ("liveagent-chats-overview", "GET"): 71,
    ("liveagent-calls-overview", "GET"): 72,
}
# Part 2's knowledge base (tests/liveagent/test_knowledgebase.py checks its bodies against the seed).
PART_2_KNOWLEDGE_BASE = {
    ("liveagent-kb-articles", "GET"): 32,
    ("liveagent-kb-articles", "POST"): 33,
    ("liveagent-kb-categories", "POST"): 34,
    ("liveagent-kb-entry", "DELETE"): 35,
    ("liveagent-kb-entries", "GET"): 36,
    ("liveagent-kb-knowledgebases", "GET"): 37,
    ("liveagent-kb-search", "GET"): 38,
    ("liveagent-suggestioncategories", "GET"): 61,
}
CONFIGURATION_WRITES = {23, 26, 27, 33, 34, 35, 62, 65, 66}  # reference §1: an admin's key only
# Part 2's widgets (tests/liveagent/test_widgets.py checks their bodies against the seed).
PART_2_WIDGETS = {
    ("liveagent-widgets", "GET"): 67,
    ("liveagent-widget", "GET"): 68,
    ("liveagent-widgets", "POST"): 69,
    ("liveagent-widget", "PUT"): 70,
}
WIDGET_WRITES = {69, 70}  # reference §1: an admin's key only
# Part 3's online status (tests/liveagent/test_presence.py checks their bodies against the seed); any key.
PART_3_PRESENCE = {
    ("liveagent-onlinestatus-agents", "GET"): 39,
    ("liveagent-onlinestatus-departments", "GET"): 40,
}
PART_3_REPORTS = {
    **{(f"liveagent-reports-{name}", "GET"): n for n, name in enumerate(
        ["agents", "channels", "departments", "performance", "tags"], start=41)},
    **{(f"liveagent-reports-tickets-{name}", "GET"): n for n, name in enumerate(
        ["agentsavailability", "load", "slacompliance", "slalog"], start=46)},
    **{(f"liveagent-reports-{channel}-{name}", "GET"): n
       for channel, first in (("chats", 50), ("calls", 55))
       for n, name in enumerate(("agentsavailability", "availability", "load", "slacompliance", "slalog"), first)},
    ("liveagent-reports-ranking", "GET"): 60,
}  # fmt: skip

# --- The registry -----------------------------------------------------------------------------------------


def test_the_registry_holds_part_1_under_the_agreed_names():
    assert {key: operation.number for key, operation in OPERATIONS.items()} == {
        **PART_1,
        **PART_2_KNOWLEDGE_BASE,
        **PART_2_WIDGETS,
        **PART_3_PRESENCE,
        **PART_3_REPORTS,
    }
    reports = set(range(41, 61))  # reference §1: an admin's key only
    assert {op.number for op in OPERATIONS.values() if op.admin} == CONFIGURATION_WRITES | WIDGET_WRITES | reports


def test_one_name_one_path_and_path_parameters_as_declared():
    paths: dict[str, str] = {}
    for (name, _method), operation in OPERATIONS.items():
        assert paths.setdefault(name, operation.path) == operation.path, name
        in_path = re.findall(r"\{(\w+)\}", operation.path)
        declared = [p.name for p in operation.params if p.location == "path"]
        assert declared == in_path, name
        assert len({(p.location, p.name) for p in operation.params}) == len(operation.params), name


def test_the_registry_covers_every_route():
    """Every method every route's view answers has its schema, at the route's path with its parameters."""
    found = routes()
    assert found, "no routes read from liveagent/urls.py"
    for route in found:
        assert route.name.startswith("liveagent-"), route
        for method in route.methods:
            operation = operation_for(route.name, method)
            assert operation is not None, f"no schema for ({route.name!r}, {method!r})"
            assert operation.path == route.path, route
            assert tuple(p.name for p in operation.params if p.location == "path") == route.params, route


def _walk(schema: Schema, where: str = ""):
    yield where, schema
    for name, child in schema.get("properties", {}).items():
        yield from _walk(child, f"{where}/{name}")
    if "items" in schema:
        yield from _walk(schema["items"], f"{where}/*")


# Reference §1: scalars are JSON strings, except statuscode and the overview counters.
INT_FIELDS = re.compile(r"^/response/((chatsOverview|callsOverview)/\*/\w+|statuscode)$")


@pytest.mark.parametrize("key", sorted(OPERATIONS), ids="-".join)
def test_every_schema_is_closed_and_typed_as_the_reference_says(key):
    for where, schema in _walk(OPERATIONS[key].success):
        kinds = {schema["type"]} if isinstance(schema["type"], str) else set(schema["type"])
        if "object" in kinds:
            assert schema["additionalProperties"] is False, where
            # Report rows (#41-#60) keep the columns a client names: none required there.
            assert schema["required"] == list(schema["properties"]) or schema.get("x-liveagent-columns"), where
        elif "integer" in kinds:
            assert INT_FIELDS.match(where), where
        elif "array" not in kinds:
            assert kinds <= {"string", "null"}, where


# --- Examples: the seed's, with our ids -------------------------------------------------------------------

AGENT, CONTACT = id_encode(Kind.AGENT_USER, 1), id_encode(Kind.AGENT_CONTACT, 1)
CUSTOMER, CUSTOMER_USER = id_encode(Kind.CUSTOMER_CONTACT, 1), id_encode(Kind.CUSTOMER_USER, 1)
CONVERSATION, DEPARTMENT = id_encode(Kind.CONVERSATION, 1), id_encode(Kind.DEPARTMENT, 1)
TAG, GROUP, COMPANY = id_encode(Kind.TAG, 1), id_encode(Kind.CUSTOMER_GROUP, 1), id_encode(Kind.COMPANY, 1)
FILE = "1234567890abcdef1234567890abcdef"
WHEN = "2012-04-01 00:15:11"
CONVERSATION_HEAD = {
    "conversationid": CONVERSATION,
    "code": "ABC-DEFGH-123",
    "datecreated": WHEN,
    "datechanged": WHEN,
    "datedue": None,
    "departmentname": "Department 1",
    "departmentid": DEPARTMENT,
    "status": "R",
    "ownername": "John Doe",
    "owneremail": "owner@example.com",
    "subject": "My first ticket",
}
CONVERSATION_TAIL = {"tags": f"{TAG},{TAG}", "channel_type": "E", "messagegroupsin": "1", "messagegroupsout": "3"}
MESSAGE = {"messageid": id_encode(Kind.MESSAGE, 1, 1), "userid": CUSTOMER_USER, "rtype": "M", "datecreated": WHEN}
COLOURED = {"id": GROUP, "name": "VIP", "color": "FFFFFF", "bg_color": "0000FF"}
FILE_BODY = {
    "fileid": FILE,
    "created": "2022-06-13 14:41:41",
    "filename": "image1.jpg",
    "filesize": "12456",
    "filetype": "image/jpg",
    "downloads": "5",
    "downloadUrl": f"//yourdomain.com/scripts/file.php?view=Y&file={FILE}",
}
FIELDS = [{"code": "varsymbol", "value": "423874698"}, {"code": "varsymbol", "value": "again"}]
EXAMPLES: dict[str, dict[str, Any]] = {
    "liveagent-agent": {
        "contactid": CONTACT,
        "userid": AGENT,
        "email": "example@agent.com",
        "firstname": "John",
        "lastname": "Williams",
        "systemname": "John Williams",
        "authtoken": "",
        "browsercookiename": "A_auth",
        "gender": None,
        "role": "D",
    },
    "liveagent-application-status": {
        "liveagentversion": "4.47.0.0",
        "gpfversion": "0.1.0",
        "dateinstalled": WHEN,
        "datelatestupdate": WHEN,
        "current_server_time": WHEN,
    },
    "liveagent-companies": {
        "companies": [{"id": COMPANY, "name": "Co.", "emails": "a@co.com,b@co.com", "datecreated": WHEN, "ip": None}]
    },
    "liveagent-company": {
        "id": COMPANY,
        "name": "Company Co.",
        "datecreated": WHEN,
        "language": "en",
        "ip": "15.1.1.10",
        "emails": ["support@companyco.com", "boss@companyco.com"],
        "phones": ["+214101254896"],
        "groups": [{"groupid": GROUP, "groupname": "Super group"}],
        "custom_fields": [{"code": "n_of_people", "value": "42"}],
        "unique_fields": [{"code": "email", "value": "support@companyco.com"}, {"code": "phone", "value": "+2141"}],
    },
    "liveagent-conversations": {
        "conversations": [
            {**CONVERSATION_HEAD, "preview": "Hello", "publicurlcode": "bI5fR3oN40708G65", **CONVERSATION_TAIL},
            {**CONVERSATION_HEAD, "preview": "", "publicurlcode": "xU6fR3zN40708G65", **CONVERSATION_TAIL, "tags": ""},
        ]
    },
    "liveagent-conversation": {
        **CONVERSATION_HEAD,
        "ownernote": None,
        "preview": "Hello, this is my first ticket...",
        "publicurlcode": "bI5fR3oN40708G65",
        "assignedto": None,
        **CONVERSATION_TAIL,
        "customfields": FIELDS,
    },
    "liveagent-conversation-messages": {
        "groups": [
            {
                "messagegroupid": id_encode(Kind.MESSAGE_GROUP, 1),
                "userid": CUSTOMER_USER,
                "rtype": "3",
                "rstatus": "V",
                "datecreated": WHEN,
                "datefinished": WHEN,
                "messages": [{**MESSAGE, "message": "hello"}, {**MESSAGE, "rtype": "F", "message": FILE}],
            },
            {
                "messagegroupid": id_encode(Kind.MESSAGE_GROUP, 2),
                "userid": "system",
                "rtype": "R",
                "rstatus": "V",
                "datecreated": WHEN,
                "datefinished": WHEN,
                "messages": [{**MESSAGE, "userid": "system", "rtype": "J", "message": "Resolved"}],
            },
        ]
    },
    "liveagent-conversation-tags": {"tags": [{"id": TAG, "name": "VIP"}]},
    "liveagent-customer": {
        "contactid": CUSTOMER,
        "email": "john@example.com",
        "firstname": "John",
        "lastname": "Doe",
        "systemname": "John Doe",
        "authtoken": "",
        "browsercookiename": "V_auth",
        "role": "V",
        "gender": "M",
        "companyid": None,
        "userid": CUSTOMER_USER,
        "datecreated": WHEN,
        "note": None,
        "ip": None,
        "customfields": FIELDS,
        "uniquefields": [{"code": "email", "value": "john@example.com"}],
    },
    "liveagent-customer-groups": {"groups": [{"groupid": GROUP, "groupname": "VIP"}]},
    "liveagent-customersgroup": COLOURED,
    "liveagent-customersgroups": {"groups": [{"id": GROUP, "name": "VIP"}, {"id": GROUP, "name": "Premium"}]},
    "liveagent-departments": {
        "departments": [{"departmentid": DEPARTMENT, "name": "Support", "onlinestatus": "M", "deleted": "N"}]
    },
    "liveagent-department": {"departmentid": DEPARTMENT, "name": "Support", "onlinestatus": "M", "deleted": "N"},
    "liveagent-file": FILE_BODY,
    "liveagent-files": FILE_BODY,
    "liveagent-tags": {"tags": [{"id": TAG, "name": "VIP"}, {"id": TAG, "name": "Support"}]},
    "liveagent-tag": {**COLOURED, "id": TAG},
    "liveagent-chats-overview": {"chatsOverview": [{"visitors": 0, "chats": 0, "ringing": 0, "queue": 0, "agents": 0}]},
    "liveagent-calls-overview": {"callsOverview": [{"running": 0, "ringing": 0, "inqueue": 0}]},
}
CREATED = {"status": "OK", "statuscode": "0"}
OK = {"status": "OK", "statuscode": 0}


def example(name: str, method: str) -> dict[str, Any]:
    if method == "GET":
        return EXAMPLES[name]
    if (name, method) in (("liveagent-tags", "POST"), ("liveagent-customersgroups", "POST")):
        return {**CREATED, **(EXAMPLES["liveagent-tag"] if name == "liveagent-tags" else COLOURED)}
    if name == "liveagent-files":
        return FILE_BODY
    return OK


def sample_path(operation) -> str:
    """The operation's path with made-up path values (which routes accept whatever they look like)."""
    return mount() + re.sub(r"\{\w+\}", "x1y2z3w4", operation.path)


def render(data: dict, fmt: str) -> tuple[str, bytes]:
    return content_type(fmt), RENDERERS[fmt]().render(data)


@pytest.mark.parametrize("fmt", ["json", "xml", "yaml"])
@pytest.mark.parametrize("key", sorted(PART_1), ids="-".join)
def test_the_seeds_examples_match_in_every_format(key, fmt):
    operation = OPERATIONS[key]
    body = {"response": example(*key)}
    media_type, rendered = render(body, fmt)
    suffix = "" if fmt == "json" else f".{fmt}"
    method_path = operation.method, sample_path(operation) + suffix
    # Only routed operations resolve; the others are checked against their schema directly.
    if key[0] in {route.name for route in routes()}:
        assert response_problems(*method_path, 200, media_type, rendered) == []
    else:
        assert body_problems(fmt, operation.success, rendered, "example")[0] == []


# --- Drift is caught ----------------------------------------------------------------------------------------

DEPARTMENT_PATH = f"/liveagent/api/departments/{DEPARTMENT}"


def _department(**changes: Any) -> dict[str, Any]:
    body = dict(EXAMPLES["liveagent-department"], **changes)
    return {"response": {key: value for key, value in body.items() if value is not ...}}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (_department(deleted=...), "'deleted' is a required property"),
        (_department(extra="x"), "Additional properties are not allowed ('extra' was unexpected)"),
        (_department(deleted=0), "0 is not of type 'string'"),
        (_department(departmentid="12"), "does not match"),
        (_department(name=None), "None is not of type 'string'"),
        ({"response": {"name": "Support", **EXAMPLES["liveagent-department"]}}, "keys in the order"),
        ({"response": {"status": "OK", "statuscode": 0}}, "is a required property"),
    ],
)
def test_a_wrong_body_fails_in_json_and_yaml(body, problem):
    for fmt in ("json", "yaml"):
        suffix = ".yaml" if fmt == "yaml" else ""
        problems = response_problems("GET", DEPARTMENT_PATH + suffix, 200, *render(body, fmt))
        assert any(problem in text for text in problems), (fmt, problems)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (_department(deleted=...), "elements ['departmentid', 'name', 'onlinestatus'], documented"),
        (_department(extra="x"), "documented"),
        (_department(deleted="maybe"), "'maybe' does not match"),
    ],
)
def test_a_wrong_body_fails_in_xml(body, problem):
    problems = response_problems("GET", DEPARTMENT_PATH + ".xml", 200, *render(body, "xml"))
    assert any(problem in text for text in problems), problems


def test_xml_lists_must_name_their_items_by_the_rule():
    good = to_xml({"response": EXAMPLES["liveagent-departments"]})
    assert response_problems("GET", "/liveagent/api/departments.xml", 200, content_type("xml"), good) == []
    bad = good.replace(b"<department>", b"<item>").replace(b"</department>", b"</item>")
    problems = response_problems("GET", "/liveagent/api/departments.xml", 200, content_type("xml"), bad)
    assert any("<item> where <department> is due" in text for text in problems), problems
    broken = response_problems("GET", "/liveagent/api/departments.xml", 200, content_type("xml"), good[:-5])
    assert any("not well-formed" in text for text in broken), broken


@pytest.mark.parametrize(
    ("method", "path", "status", "fmt", "body", "problem"),
    [
        ("GET", DEPARTMENT_PATH, 200, "xml", _department(), "Content-Type"),
        ("GET", DEPARTMENT_PATH, 201, "json", _department(), "every v1 success is a 200"),
        ("GET", "/liveagent/api/nope", 200, "json", _department(), "an unknown path answered a success"),
        ("POST", DEPARTMENT_PATH, 200, "json", _department(), "POST is not answered by this route"),
        ("GET", "/liveagent/api/nope", 404, "json", _department(), "'status' is a required property"),
        ("GET", DEPARTMENT_PATH, 404, "json", {"response": {**OK, "status": "ERROR"}}, "required property"),
    ],
)
def test_the_check_refuses(method, path, status, fmt, body, problem):
    problems = response_problems(method, path, status, *render(body, fmt))
    assert any(problem in text for text in problems), problems


def test_errors_answer_the_envelope_with_the_http_status():
    error = {"response": {"status": "ERROR", "statuscode": 404, "errormessage": "Not found.", "debugmessage": ""}}
    for path in ("/liveagent/api/nope", DEPARTMENT_PATH, f"{DEPARTMENT_PATH}/more"):
        assert response_problems("GET", path, 404, *render(error, "json")) == []
        problems = response_problems("GET", path, 400, *render(error, "json"))
        assert any("is not the HTTP status" in text for text in problems), problems
    assert response_problems("GET", DEPARTMENT_PATH + ".xml", 404, *render(error, "xml")) == []
    refused = {"response": {**error["response"], "statuscode": 405}}
    assert response_problems("POST", DEPARTMENT_PATH, 405, *render(refused, "json")) == []


def test_a_route_without_a_schema_fails_every_call(monkeypatch, la, admin_key):
    monkeypatch.delitem(OPERATIONS, ("liveagent-application-status", "GET"))
    with pytest.raises(AssertionError, match="no schema for \\('liveagent-application-status', 'GET'\\)"):
        la.get(STATUS, {"apikey": admin_key})
    with pytest.raises(AssertionError, match="no schema for"):
        la.get(STATUS)  # a 401 too: nobody may forget one


def test_the_suite_checks_real_answers(monkeypatch, la, admin_key):
    operation = OPERATIONS["liveagent-application-status", "GET"]
    stricter = replace(operation, body={**operation.body, "required": [*operation.body["required"], "more"]})
    monkeypatch.setitem(OPERATIONS, operation.key, stricter)
    for suffix in ("", ".yaml"):
        with pytest.raises(AssertionError, match="'more' is a required property"):
            la.get(STATUS + suffix, {"apikey": admin_key})
    monkeypatch.setitem(OPERATIONS, operation.key, replace(operation, body=entities.department()))
    with pytest.raises(AssertionError, match="elements"):
        la.get(STATUS + ".xml", {"apikey": admin_key})


# --- The OpenAPI description ----------------------------------------------------------------------------------


def test_path_templates_are_read_from_routes():
    suffix = r"(?:\.(?:json|xml|yaml))?/?$"
    assert path_template(r"^customers/(?P<customeridentifier>[^/]+?)/groups" + suffix) == (
        "/customers/{customeridentifier}/groups",
        ("customeridentifier",),
    )
    assert path_template(r"^files/(?P<fileid>[0-9a-f]{32}|(x))" + suffix) == ("/files/{fileid}", ("fileid",))
    for regex in (r"^tags$", r"^ta.gs" + suffix, r"^tags/(\d+)" + suffix):
        with pytest.raises(ValueError, match="route"):
            path_template(regex)


def test_the_document_is_valid_openapi_3_1_and_lists_every_route():
    validator = pytest.importorskip("openapi_spec_validator")
    document = openapi_document()
    validator.validate(document)
    assert document["openapi"] == "3.1.0"
    expected = {f"/liveagent/api{route.path}": {m.lower() for m in route.methods} for route in routes()}
    assert {path: set(item) for path, item in document["paths"].items()} == expected
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation["summary"].startswith("#"), (path, method)  # described from the registry
    assert set(document["components"]["securitySchemes"]) == {"apikeyQuery", "apikeyHeader"}


def test_the_document_declares_parameters_and_bodies():
    paths = openapi_document()["paths"]
    department = paths["/liveagent/api/departments/{departmentid}"]["get"]
    assert [(p["name"], p["in"], p["required"]) for p in department["parameters"]] == [("departmentid", "path", True)]
    success = department["responses"]["200"]["content"]["application/json"]["schema"]
    assert success == {"$ref": "#/components/schemas/liveagent-department-get"}
    overview = paths["/liveagent/api/chats/overview"]["get"]
    assert [(p["name"], p["in"]) for p in overview["parameters"]] == [("department", "query")]
    assert "requestBody" not in overview


@pytest.mark.parametrize("path", ["/liveagent/schema/", "/liveagent/schema"])
def test_the_document_is_served_in_yaml_without_a_key(db, client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    document = yaml.safe_load(response.content)
    assert document["info"]["title"] == "LiveAgent API v1"
    assert "/liveagent/api/departments" in document["paths"]


def test_the_document_is_served_in_json(db, client):
    response = client.get("/liveagent/schema/?format=json", HTTP_APIKEY="wrong")
    assert response.status_code == 200
    assert json.loads(response.content) == json.loads(json.dumps(openapi_document()))


def test_the_freescout_schema_leaves_the_liveagent_pages_out(db, api_client):
    assert b"liveagent" not in api_client.get("/api/schema/").content


@pytest.mark.parametrize("path", ["/liveagent/docs/", "/liveagent/docs"])
def test_the_docs_are_public_and_use_local_assets_only(db, client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("liveagent-schema") in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    for asset in assets:
        assert asset.startswith("/static/drf_spectacular_sidecar/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset
    assert "//" not in "".join(assets)  # no other host, not even protocol-relative
    assert "cdn." not in html
