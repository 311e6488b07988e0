"""One schemathesis run against a live test server, as both dialects' fuzz tests make it
(tests/freescout/test_api_fuzz.py, tests/liveagent/test_fuzz.py), bounded and repeatable so that CI is never
flaky: a fixed number of examples per operation, a fixed seed in hypothesis' deterministic mode, one worker
(requests in one order), no shrinking (a failure is reported as found) and a time limit per request."""

import subprocess
import sys
from pathlib import Path

from demo.seed import demo_seed
from helpdesk.services import api_key_create, api_key_limit_set
from tests.factories import UserFactory

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
MAX_EXAMPLES = 10
SEED = 7


def seeded_key(role: str) -> str:
    """The demo data, and a key of a new user of ``role`` ("admin" or "user": both keys are fuzzed). The key
    has a limit of its own far above the default 1,000 requests a minute: a fast run would otherwise meet
    429s at a point that depends on the machine's speed (the limits have their own tests)."""
    demo_seed()
    api_key, raw_key = api_key_create(user=UserFactory(role=role))
    api_key_limit_set(api_key=api_key, requests_per_minute=1_000_000_000)
    return raw_key


def schemathesis_run(
    *, schema_url: str, base_url: str, header: str, checks: str, phases: str, exclude_path_regex: str, cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            schema_url,
            "--url",
            base_url,
            "--header",
            header,
            "--checks",
            checks,
            "--phases",
            phases,
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            str(SEED),
            "--generation-deterministic",
            "--workers",
            "1",
            "--no-shrink",
            "--request-timeout",
            "30",
            # A network-level failure is sent again once: Django's development server (the live server) once
            # answered a multipart DELETE on a kept-alive connection with a broken response ("Connection
            # aborted", BadStatusLine) that a second try does not meet; a 5xx is never retried.
            "--request-retries",
            "1",
            "--exclude-path-regex",
            exclude_path_regex,
        ],
        cwd=cwd,  # schemathesis keeps a cache in its working directory
        capture_output=True,
        text=True,
        timeout=900,
    )
