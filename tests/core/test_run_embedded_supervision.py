"""`make run` (scripts/run_embedded.py) supervises its Celery worker (issue 20, item 7): a worker that dies is
reported on stderr and started again while the server keeps serving; one that cannot start at all stops the
script with status 1 instead of leaving a helpdesk that sends nothing. Real processes: the script itself on a
fresh SQLite data directory, its runserver and its worker, killed with SIGKILL."""

import importlib.util
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.mail_servers import free_port

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


class Output:
    """The merged stdout and stderr of a process, read line by line in a thread."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append(line)

    def text(self) -> str:
        return "".join(self.lines)

    def wait_for(self, pattern: str, *, seconds: float, after: int = 0) -> re.Match:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            match = re.search(pattern, "".join(self.lines[after:]))
            if match:
                return match
            if self.process.poll() is not None:
                time.sleep(0.5)  # the last lines
                raise AssertionError(f"The script exited ({self.process.returncode}); output:\n{self.text()[-4000:]}")
            time.sleep(0.2)
        raise AssertionError(f"{pattern!r} not seen in {seconds} s; output:\n{self.text()[-4000:]}")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed child not yet reaped by its parent is a zombie: dead for our purpose.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[-1].startswith("Z"))


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[-1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def healthy(address: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://{address}/healthz", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def embedded(tmp_path):
    """Starts `make run`'s script on a random port; stops it (its own process group) afterwards."""
    address = f"127.0.0.1:{free_port()}"
    # The demo data is not needed here: marked as loaded, the first run skips it (seconds saved).
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "demo-loaded").touch()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "REDIS_URL", "CELERY_BROKER_URL", "CACHE_URL"}
    }
    env |= {"HELPDESK_DATA_DIR": str(tmp_path / "data"), "HELPDESK_ADDRESS": address, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "scripts/run_embedded.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        yield process, Output(process), address
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def test_a_killed_worker_is_restarted_while_the_server_keeps_serving(embedded):
    process, output, address = embedded
    first = int(output.wait_for(r"Worker started \(pid (\d+)\)", seconds=120).group(1))
    deadline = time.monotonic() + 60
    while not healthy(address):
        assert time.monotonic() < deadline and process.poll() is None, output.text()[-4000:]
        time.sleep(0.5)
    assert alive(first)

    # ``--beat`` runs beat in a child process of the worker: killed with it, it must not outlive it.
    deadline = time.monotonic() + 30
    while not (beat := children_of(first)):
        assert time.monotonic() < deadline, "the worker started no beat process"
        time.sleep(0.2)
    seen = len(output.lines)
    os.kill(first, signal.SIGKILL)
    report = output.wait_for(rf"!!! The worker \(pid {first}\) exited with status -9", seconds=20, after=seen)
    assert "Restarting it in 1 s" in output.text()[output.text().index(report.group(0)) :]
    second = int(output.wait_for(r"Worker started \(pid (\d+)\)", seconds=20, after=seen).group(1))
    assert second != first and alive(second) and not alive(first)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in beat) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(pid) for pid in beat), "the killed worker's beat process was left running"
    assert healthy(address) and process.poll() is None

    # `kill <pid>` of the script stops what it started, the restarted worker and its beat included.
    deadline = time.monotonic() + 30
    while not (second_beat := children_of(second)):
        assert time.monotonic() < deadline, "the restarted worker started no beat process"
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    deadline = time.monotonic() + 10
    while alive(second) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(second) and not healthy(address)
    assert not any(alive(pid) for pid in second_beat)


def _script():
    spec = importlib.util.spec_from_file_location("run_embedded_supervision", ROOT / "scripts" / "run_embedded.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_worker_that_cannot_start_stops_the_script_loudly(monkeypatch, capfd):
    """The supervisor alone, with a "worker" that exits at once (status 3), as a broken setting would."""
    script = _script()
    monkeypatch.setattr(script, "RESTART_DELAYS", (0.0,))
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        started.append(subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(3)"]))
        return started[-1]

    supervisor = script.WorkerSupervisor(start=start)
    deadline = time.monotonic() + 60
    while supervisor.check():
        assert time.monotonic() < deadline, "the supervisor never gave up"
        time.sleep(0.05)
    assert len(started) == script.MAX_QUICK_EXITS
    err = capfd.readouterr().err
    assert err.count("exited with status 3") == script.MAX_QUICK_EXITS
    assert "it cannot run. Stopping the server" in err
