"""Helpers shared by the API tests."""

from rest_framework.test import APIClient

from helpdesk.services import api_key_create


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_FREESCOUT_API_KEY=api_key_create(user=user)[1])
    return client


def error_paths(response) -> dict[str, dict]:
    """``{path: error}`` of an error response, after checking the documented shape."""
    body = response.json()
    assert set(body) == {"message", "errorCode", "_embedded"}, body
    assert all({"path", "message", "source"} <= set(error) for error in body["_embedded"]["errors"]), body
    return {error["path"]: error for error in body["_embedded"]["errors"]}


USER_KEYS = [
    "id",
    "firstName",
    "lastName",
    "email",
    "role",
    "alternateEmails",
    "jobTitle",
    "phone",
    "timezone",
    "photoUrl",
    "language",
    "createdAt",
    "updatedAt",
]


def bad_request(response, path: str, rejected=...) -> dict:
    """The single error of a 400 at ``path``; ``rejected`` is the quoted value (omit: none quoted)."""
    assert response.status_code == 400, response.content
    errors = error_paths(response)
    assert list(errors) == [path], errors
    if rejected is ...:
        assert "rejectedValue" not in errors[path]
    else:
        assert errors[path]["rejectedValue"] == rejected
    return errors[path]


def assert_error(response, status: int, code: str) -> None:
    """A non-validation error in the documented shape, with no per-field errors."""
    assert response.status_code == status, response.content
    body = response.json()
    assert list(body) == ["message", "errorCode", "_embedded"]
    assert body["errorCode"] == code and body["_embedded"] == {"errors": []}
