"""The OpenAPI schema (/api/schema/) and its docs (/api/docs/). That every API response of the suite matches
the schema is checked for every test by tests/conftest.py (tests/freescout/openapi_validation.py)."""

import json
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

from tests.freescout.openapi_validation import api_schema, response_problems

pytestmark = pytest.mark.django_db


def test_schema_is_valid_openapi_without_warnings(tmp_path):
    target = tmp_path / "schema.json"
    call_command(
        "spectacular",
        *("--custom-settings", "freescout.schema.settings.SCHEMA_SETTINGS"),
        *("--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(target)),
    )
    schema = json.loads(target.read_text())
    assert schema["openapi"].startswith("3.1")


@pytest.mark.parametrize("path", ["/api/schema/", "/api/schema", "/api/schema/?format=json"])
def test_schema_is_public(api_client, path):
    response = api_client.get(path)
    assert response.status_code == 200, response.content[:200]
    assert b"/api/conversations" in response.content


def test_schema_ignores_a_wrong_key(api_client):
    response = api_client.get("/api/schema/?format=json", HTTP_X_FREESCOUT_API_KEY="wrong")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.1")


@pytest.mark.parametrize("path", ["/api/docs/", "/api/docs", "/api/redoc/"])
def test_docs_are_public_and_served_locally(api_client, path):
    response = api_client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/schema" in html
    # The UI comes from drf-spectacular-sidecar's static files, not from a CDN.
    assert "cdn.jsdelivr.net" not in html
    assert "drf_spectacular_sidecar" in html


def test_sidecar_assets_are_installed():
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert finders.find("drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js")


def test_every_endpoint_is_described():
    paths = api_schema()["paths"]
    expected = {
        "/api/conversations": {"get", "post"},
        "/api/conversations/{id}": {"get", "put", "delete"},
        "/api/conversations/{id}/tags": {"put"},
        "/api/conversations/{id}/custom_fields": {"put"},
        "/api/conversations/{id}/threads": {"post"},
        "/api/conversations/{id}/timelogs": {"get", "post"},
        "/api/conversations/{id}/timelogs/{timelog_id}": {"put"},
        "/api/tags": {"get"},
        "/api/customers": {"get", "post"},
        "/api/customers/{id}": {"get", "put"},
        "/api/customers/{id}/customer_fields": {"put"},
        "/api/customer_fields": {"get", "post"},
        "/api/customer_fields/{id}": {"put", "delete"},
        "/api/mailboxes": {"get", "post"},
        "/api/mailboxes/{id}": {"put", "delete"},
        "/api/mailboxes/{id}/users/{user_id}": {"put", "delete"},
        "/api/mailboxes/{id}/custom_fields": {"get", "post"},
        "/api/mailboxes/{id}/custom_fields/{field_id}": {"put", "delete"},
        "/api/mailboxes/{id}/folders": {"get"},
        "/api/users": {"get", "post"},
        "/api/users/{id}": {"get", "put", "delete"},
        "/api/users/{id}/api_keys": {"get", "post"},
        "/api/users/{id}/api_keys/{key_id}": {"delete"},
        "/api/webhooks": {"get", "post"},
        "/api/webhooks/{id}": {"get", "delete"},
        "/api/webhooks/{id}/test": {"post"},
        "/api/webhooks/{id}/deliveries": {"get"},
        "/api/webhooks/{id}/deliveries/{delivery_id}/redeliver": {"post"},
    }
    assert {path: set(operations) for path, operations in paths.items()} == expected


def test_operations_document_errors_security_and_bodies():
    schema = api_schema()
    assert set(schema["components"]["securitySchemes"]) == {
        "FreeScoutApiKey",
        "SmarticksApiKey",
        "BasicApiKey",
        "QueryApiKey",
    }
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation["summary"], where
            assert len(operation["security"]) == 4, where  # any one of the schemes
            for status in ("400", "401", "403", "404", "405", "409", "413", "415"):
                error = operation["responses"][status]["content"]["application/json"]["schema"]
                assert error == {"$ref": "#/components/schemas/Error"}, where
            successes = [status for status in operation["responses"] if status.startswith("2")]
            assert len(successes) == 1, where
            if successes == ["201"]:
                assert "Resource-ID" in operation["responses"]["201"]["headers"], where
            bodiless = path.endswith(("/api_keys", "/test", "/redeliver"))  # actions that take no input
            if method == "post" and not bodiless:
                assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"], where


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/conversations/{id}/timelogs"),
        ("put", "/api/conversations/{id}/timelogs/{timelog_id}"),
        ("get", "/api/customer_fields"),
        ("post", "/api/mailboxes"),
        ("put", "/api/mailboxes/{id}/users/{user_id}"),
        ("put", "/api/users/{id}"),
        ("get", "/api/users/{id}/api_keys"),
        ("get", "/api/webhooks/{id}"),
    ],
)
def test_extensions_are_marked(method, path):
    operation = api_schema()["paths"][path][method]
    assert "extensions" in operation["tags"]
    assert operation["x-extension"] is True


def test_documented_operations_are_not_marked_as_extensions():
    operation = api_schema()["paths"]["/api/conversations"]["get"]
    assert "extensions" not in operation["tags"]
    assert "x-extension" not in operation
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"embed", "mailboxId", "folderId", "status", "tag", "sortField", "sortOrder", "page", "pageSize"} <= names


def _mailbox_list(**page) -> bytes:
    body = {"_embedded": {"mailboxes": []}, "page": {"size": 50, "totalElements": 0, "totalPages": 1, "number": 1}}
    body["page"].update(page)
    return json.dumps(body).encode()


def test_the_validator_accepts_a_matching_response():
    assert response_problems("GET", "/api/mailboxes", 200, "application/json", _mailbox_list()) == []
    assert response_problems("GET", "/api/mailboxes/", 200, "application/json", _mailbox_list()) == []


@pytest.mark.parametrize(
    ("method", "path", "status", "body", "problem"),
    [
        ("GET", "/api/mailboxes", 200, _mailbox_list(size="50"), "is not of type 'integer'"),
        ("GET", "/api/mailboxes", 200, _mailbox_list(extra=1), "Additional properties"),
        ("GET", "/api/mailboxes", 418, b"{}", "status 418 not documented"),
        ("PATCH", "/api/mailboxes", 200, b"{}", "method not documented"),
        ("GET", "/api/nowhere", 200, b"{}", "path not in the schema"),
        ("GET", "/api/mailboxes", 400, b'{"message": "Bad request"}', "'errorCode' is a required property"),
        ("DELETE", "/api/webhooks/1", 204, b'{"id": 1}', "without a body"),
    ],
)
def test_the_validator_reports_drift(method, path, status, body, problem):
    problems = response_problems(method, path, status, "application/json", body)
    assert any(problem in text for text in problems), problems


def test_served_schema_is_the_recorded_one(api_client):
    """The schema served at /api/schema/ is byte for byte the one recorded in openapi_snapshot.yaml, written
    by the code before the FreeScout API moved to its own app: the move changed nothing a client sees. A
    deliberate change to the API rewrites the snapshot (``manage.py spectacular --custom-settings
    freescout.schema.settings.SCHEMA_SETTINGS --file tests/freescout/openapi_snapshot.yaml``) in the same commit."""
    recorded = (Path(__file__).parent / "openapi_snapshot.yaml").read_bytes()
    response = api_client.get("/api/schema/")
    assert response.status_code == 200
    assert response.content == recorded
