"""Reading LiveAgent answers in any of the three formats."""

import json
import xml.etree.ElementTree as ET

import yaml

STATUS = "/liveagent/api/application/status"


def envelope(response) -> dict:
    """The ``response`` object of an answer in any format, after checking the format's Content-Type."""
    content_type = response["Content-Type"]
    if content_type == "application/json":
        body = json.loads(response.content)
    elif content_type == "application/xml; charset=utf-8":
        root = ET.fromstring(response.content)
        assert root.tag == "response"
        return {child.tag: child.text or "" for child in root}
    elif content_type == "application/x-yaml":
        body = yaml.safe_load(response.content)
    else:
        raise AssertionError(f"unexpected Content-Type {content_type}")
    assert list(body) == ["response"], body
    return body["response"]


def assert_error(response, status: int, fmt: str = "json") -> dict:
    """Checks LiveAgent's error envelope (XML gives every value as text); returns it."""
    assert response.status_code == status, response.content
    body = envelope(response)
    assert list(body) == ["status", "statuscode", "errormessage", "debugmessage"], body
    assert body["status"] == "ERROR"
    assert body["statuscode"] == (str(status) if fmt == "xml" else status)
    assert body["errormessage"]
    return body
