"""HTTP-level behaviour shared by every endpoint (freescout-behaviour.md §1, §2)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from customers.models import Customer
from mailboxes.services import mailbox_user_grant
from tests.api_helpers import bad_request, error_paths
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db


def test_malformed_json_is_400_in_the_error_shape(admin_api):
    response = admin_api.generic("POST", "/api/conversations", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errorCode"] == "BAD REQUEST"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/customers", '{"firstName": "A\\ud800", "emails": [{"value": "s@example.com", "type": "work"}]}'),
        ("/api/conversations", '{"type": "email", "subject": "x\\udfff"}'),
    ],
)
def test_a_lone_surrogate_is_400_and_writes_nothing(admin_api, path, body):
    response = admin_api.generic("POST", path, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errorCode"] == "BAD REQUEST"
    assert not Customer.objects.exists()


def test_json_nested_too_deeply_is_400(admin_api):
    body = "[" * 5_000 + "]" * 5_000  # 10 KB that Python's recursive decoder cannot read
    response = admin_api.generic("POST", "/api/conversations", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["message"]


def test_a_query_value_over_4000_characters_is_400_naming_it(admin_api, mailbox):
    ConversationFactory(mailbox=mailbox, subject="x" * 10)
    assert admin_api.get("/api/conversations", {"subject": "é" * 4_000}).status_code == 200  # as LIKE can take it
    response = admin_api.get("/api/conversations", {"subject": "x" * 50_001})
    assert response.status_code == 400
    assert response.json()["_embedded"]["errors"][0]["path"] == "subject"


def test_a_body_that_is_not_json_is_415(admin_api):
    response = admin_api.generic(
        "POST", "/api/conversations", "type=email", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response.json()["errorCode"] == "UNSUPPORTED MEDIA TYPE"


def test_oversized_bodies_are_413(admin_api, mailbox, settings):
    conversation = ConversationFactory(mailbox=mailbox)
    big = '{"tags": ["' + "x" * (settings.HELPDESK_MAX_JSON_BYTES + 1) + '"]}'
    response = admin_api.generic(
        "PUT", f"/api/conversations/{conversation.pk}/tags", big, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["errorCode"] == "PAYLOAD TOO LARGE"
    # Routes that carry attachments accept more, up to DATA_UPLOAD_MAX_MEMORY_SIZE.
    response = admin_api.generic("POST", "/api/conversations", big, content_type="application/json")
    assert response.status_code == 400


def test_wrong_method_is_405_json(admin_api, mailbox):
    conversation = ConversationFactory(mailbox=mailbox)
    response = admin_api.post(f"/api/conversations/{conversation.pk}", {}, format="json")
    assert response.status_code == 405
    assert response.json()["errorCode"] == "METHOD NOT ALLOWED"
    assert admin_api.get(f"/api/conversations/{conversation.pk}/tags").status_code == 405


def test_get_with_a_json_content_type_and_no_body_is_fine(admin_api):
    assert admin_api.get("/api/conversations", content_type="application/json").status_code == 200


def test_options_needs_no_key_and_answers_cors_preflight(client, settings, db):
    response = client.options("/api/conversations")
    assert response.status_code == 200
    assert "GET" in response["Allow"] and "POST" in response["Allow"]
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    response = client.options(
        "/api/conversations",
        HTTP_ORIGIN="https://app.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="x-freescout-api-key, content-type",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "x-freescout-api-key" in response["Access-Control-Allow-Headers"].lower()
    assert "PUT" in response["Access-Control-Allow-Methods"]
    other = client.options(
        "/api/conversations", HTTP_ORIGIN="https://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert "Access-Control-Allow-Origin" not in other


def test_numbers_as_strings_and_unknown_fields_are_accepted(admin_api, admin, mailbox):
    body = {
        "type": "email",
        "mailboxId": str(mailbox.pk),
        "subject": "Hi",
        "customer": {"email": "a@example.org"},
        "threads": [{"type": "customer", "text": "Hello", "to": ["support@example.com"], "tags": ["x"]}],
        "state": "published",
        "tags": ["ignored"],
        "query": "ignored",
    }
    assert admin_api.post("/api/conversations", body, format="json").status_code == 201


class _FileServer(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"%PDF-1.4 test"
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def file_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FileServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_attachments_by_file_url_are_downloaded_behind_the_ssrf_guard(
    admin_api, agent, mailbox, file_server, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    mailbox_user_grant(mailbox=mailbox, user=agent)
    conversation = ConversationFactory(mailbox=mailbox)
    url = f"/api/conversations/{conversation.pk}/threads"
    body = {
        "type": "customer",
        "text": "See file",
        "attachments": [{"fileName": "a.pdf", "fileUrl": f"{file_server}/a.pdf"}],
    }
    # Loopback is not a public address: refused unless private networks are allowed.
    response = admin_api.post(url, body, format="json")
    assert response.status_code == 400 and "attachments[0].fileUrl" in error_paths(response)
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    response = admin_api.post(url, body, format="json")
    assert response.status_code == 201, response.content
    attachment = response.json()["_embedded"]["attachments"][0]
    assert (attachment["fileName"], attachment["mimeType"], attachment["size"]) == ("a.pdf", "application/pdf", 13)
    settings.HELPDESK_ATTACHMENT_MAX_BYTES = 5
    response = admin_api.post(url, body, format="json")
    assert response.status_code == 400 and "attachments[0].fileUrl" in error_paths(response)


def test_a_lost_race_on_a_unique_constraint_is_409_not_500():
    # The checks before a write cannot see a concurrent request's insert; the database's constraint can.
    from django.db import IntegrityError

    from freescout.plumbing.errors import exception_handler

    response = exception_handler(IntegrityError("duplicate key value violates unique constraint"), {})
    assert response.status_code == 409
    assert response.data["errorCode"] == "CONFLICT"


# Found by schemathesis (reliability.md: fuzzing against the OpenAPI schema): each was a 500.


@pytest.mark.parametrize(
    "path",
    [
        "/api/conversations",
        "/api/conversations/1",
        "/api/conversations/1/threads",
        "/api/customers",
        "/api/customer_fields",
        "/api/mailboxes",
        "/api/users/1",
        "/api/users/1/api_keys",
        "/api/webhooks",
    ],
)
def test_options_with_a_key_describes_the_endpoint(admin_api, path):
    response = admin_api.options(path)
    assert response.status_code == 200
    body = response.json()
    assert body["renders"] == ["application/json"] and body["schema"] == "/api/schema/"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/conversations/99999999999999999999999"),
        ("get", "/api/customers/9223372036854775808"),
        ("delete", "/api/users/1/api_keys/99999999999999999999999"),
        ("post", "/api/webhooks/1/deliveries/99999999999999999999999/redeliver"),
    ],
)
def test_an_id_too_large_for_the_database_in_the_path_is_a_404(admin_api, method, path):
    response = getattr(admin_api, method)(path)
    assert response.status_code == 404
    assert response.json()["errorCode"] == "NOT FOUND"


def test_an_id_too_large_for_the_database_in_a_query_or_body_is_a_400(admin_api):
    huge = "9223372036854775808"
    bad_request(admin_api.get("/api/conversations", {"customerId": huge}), "customerId", huge)
    response = admin_api.post(
        "/api/webhooks",
        {"url": "https://x.example", "events": ["convo.created"], "mailboxes": [int(huge)]},
        format="json",
    )
    assert response.status_code == 400
    assert "mailboxes[0]" in error_paths(response)


def test_a_page_number_too_large_is_a_400(admin_api):
    bad_request(admin_api.get("/api/conversations", {"page": str(2**31)}), "page", str(2**31))
    assert admin_api.get("/api/conversations", {"page": str(2**31 - 1)}).json()["page"]["number"] == 2**31 - 1


def test_a_rejected_number_beyond_64_bits_is_quoted_in_the_error(admin_api):
    # Found by the fuzz test: the 400 itself failed to render.
    huge = 24133653980756708425728
    response = admin_api.post("/api/customer_fields", {"name": "x", "type": "number", "sortOrder": huge}, format="json")
    assert bad_request(response, "sortOrder", huge)["message"]


@pytest.mark.parametrize("path", ["/api/users", "/api/conversations", "/api/customers"])
def test_a_null_character_in_the_query_string_is_a_400(admin_api, path):
    # Found by the fuzz test on PostgreSQL, which cannot compare text holding NUL: it was a 500.
    response = admin_api.get(path, {"email": "a\x00b", "subject": "x"})
    assert response.status_code == 400
    assert error_paths(response)["email"]["message"] == "Null characters are not allowed."


def test_a_null_character_in_an_admin_search_is_a_400(client, admin):
    client.force_login(admin)
    assert client.get("/admin/conversations/conversation/", {"q": "a\x00b"}).status_code == 400
