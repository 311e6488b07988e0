"""Property-based fuzzing of the whole API from its own OpenAPI schema (reliability.md): schemathesis
generates requests for every operation, valid and invalid, and sends them over HTTP to a live server on the
test database with the demo data, with an admin's key and with a regular user's key; no answer may be a
5xx. A few examples per operation, a fixed seed and one worker keep it quick and the same on every run
(tests/schemathesis_run.py); the README shows the longer run against a server."""

import pytest

from tests.schemathesis_run import schemathesis_run, seeded_key

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("role", ["admin", "user"])
def test_no_generated_request_is_a_server_error(live_server, transactional_db, role, tmp_path):
    result = schemathesis_run(
        schema_url=f"{live_server.url}/api/schema/?format=json",
        base_url=live_server.url,
        header=f"X-FreeScout-API-Key: {seeded_key(role)}",
        checks="not_a_server_error",
        phases="fuzzing,stateful",  # the coverage phase takes minutes; the README's longer run includes it
        exclude_path_regex="/test$",  # the webhook ping: it waits on outside URLs
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-5000:]
