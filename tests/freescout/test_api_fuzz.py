"""Property-based fuzzing of the whole API from its own OpenAPI schema (reliability.md): schemathesis
generates requests for every operation, valid and invalid, and sends them over HTTP to a live server on the
test database with the demo data, with an admin's key and with a regular user's key; no answer may be a
5xx. A few examples per operation keep it quick; the README shows the longer run against a server."""

import subprocess
import sys
from pathlib import Path

import pytest

from demo.seed import demo_seed
from helpdesk.services import api_key_create
from tests.factories import UserFactory

pytestmark = pytest.mark.slow
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@pytest.mark.parametrize("role", ["admin", "user"])
def test_no_generated_request_is_a_server_error(live_server, transactional_db, role, tmp_path):
    demo_seed()
    user = UserFactory(role=role)
    key = api_key_create(user=user)[1]
    result = subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            f"{live_server.url}/api/schema/?format=json",
            "--url",
            live_server.url,
            "--header",
            f"X-FreeScout-API-Key: {key}",
            "--checks",
            "not_a_server_error",
            "--phases",
            "fuzzing,stateful",  # the coverage phase takes minutes; the README's longer run includes it
            "--max-examples",
            "10",
            "--seed",
            "7",
            "--exclude-path-regex",
            "/test$",  # the webhook ping: it waits on outside URLs
        ],
        cwd=tmp_path,  # schemathesis keeps a cache in its working directory
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-5000:]
