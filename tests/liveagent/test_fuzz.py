"""Property-based fuzzing of the LiveAgent API v1 from its own OpenAPI description (reliability.md), as
tests/freescout/test_api_fuzz.py does for FreeScout's: schemathesis generates requests for every v1
operation, valid and invalid, and sends them over HTTP to a live server on the test database with the demo
data, with an admin's key and with a regular user's key (in the ``apikey`` header); no answer may be a 5xx,
and every answer must match the operation's documented responses (its schema or the error envelope)."""

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
            f"{live_server.url}/liveagent/schema/?format=json",
            "--url",
            live_server.url,
            "--header",
            f"apikey: {key}",
            "--checks",
            "not_a_server_error,response_schema_conformance",
            "--phases",
            "fuzzing",
            "--max-examples",
            "10",
            "--seed",
            "7",
            "--exclude-path-regex",
            "/files$",  # POST /files with a downloadUrl waits on outside URLs
        ],
        cwd=tmp_path,  # schemathesis keeps a cache in its working directory
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-5000:]
