"""Property-based fuzzing of the LiveAgent API v1 from its own OpenAPI description (reliability.md), as
tests/freescout/test_api_fuzz.py does for FreeScout's: schemathesis generates requests for every v1
operation, valid and invalid, and sends them over HTTP to a live server on the test database with the demo
data, with an admin's key and with a regular user's key (in the ``apikey`` header); no answer may be a 5xx,
and every answer must match the operation's documented responses (its schema or the error envelope). Bounded
and repeatable as tests/schemathesis_run.py says."""

import pytest

from tests.schemathesis_run import schemathesis_run, seeded_key

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("role", ["admin", "user"])
def test_no_generated_request_is_a_server_error(live_server, transactional_db, role, tmp_path):
    result = schemathesis_run(
        schema_url=f"{live_server.url}/liveagent/schema/?format=json",
        base_url=live_server.url,
        header=f"apikey: {seeded_key(role)}",
        checks="not_a_server_error,response_schema_conformance",
        phases="fuzzing",
        exclude_path_regex="/files$",  # POST /files with a downloadUrl waits on outside URLs
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-5000:]
