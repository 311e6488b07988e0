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
