"""Background tasks really run: a real worker consumes a task through the embedded file broker (the
`make run` default) and through Redis (production)."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

pytestmark = pytest.mark.slow


def worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "helpdesk",
            "worker",
            "--pool",
            "solo",
            "--include",
            "tests.celery_probe",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def send(env: dict[str, str], marker: Path, text: str) -> None:
    code = (
        "from helpdesk.celery import app; "
        f"app.send_task('tests.celery_probe.write_marker', args=[{str(marker)!r}, {text!r}])"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=60)


def wait_for(marker: Path, process: subprocess.Popen, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if marker.exists():
            return marker.read_text()
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.terminate()
    output = process.communicate(timeout=20)[0]
    pytest.fail(f"the worker did not run the task; its output:\n{output}")


def run_round_trip(env: dict[str, str], tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **env}
    marker, text = tmp_path / "marker", uuid.uuid4().hex
    # Sent before the worker starts: the message must wait in the broker, not be lost.
    send(env, marker, text)
    process = worker(env)
    try:
        assert wait_for(marker, process) == text
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_embedded_default_runs_tasks_through_the_file_broker(tmp_path):
    run_round_trip({"HELPDESK_DATA_DIR": str(tmp_path)}, tmp_path)
    assert (tmp_path / "broker").is_dir()


def test_redis_broker_runs_tasks(tmp_path):
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()  # Redis is part of the test environment (CI starts it); fail loudly when it is missing
    client.flushdb()
    try:
        run_round_trip({"HELPDESK_DATA_DIR": str(tmp_path), "REDIS_URL": REDIS_URL}, tmp_path)
    finally:
        client.flushdb()
