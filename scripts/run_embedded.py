"""What `make run` does after installing: migrate, create the admin and demo data once, print how to log
in, then serve with one Celery worker (with beat) next to the web server. Ctrl-C stops both.

The login banner must stay on screen: the mail the worker sends (the demo's notifications among it) goes to
files under ``data/sent-mail/`` rather than to the terminal, unless ``EMAIL_URL`` says otherwise, and the
commands' own chatter (``create_api_key``'s "store it now") is captured, since this script stores the key.
``HELPDESK_ADDRESS`` (default ``127.0.0.1:8000``) is where the server listens.

The worker is supervised: the web server would keep answering while mail, webhooks and the periodic jobs
silently stopped, so a worker that dies is reported on stderr and started again, after 1 s, then 2, 4… up
to a minute while it keeps dying soon after starting. If it dies within ``QUICK_EXIT_SECONDS`` of starting
``MAX_QUICK_EXITS`` times in a row it cannot start at all (a broken setting, say): then the script says so,
stops the server and exits with status 1, rather than serve a helpdesk that sends nothing."""

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("HELPDESK_DATA_DIR", ROOT / "data")).resolve()
ADMIN_EMAIL = os.environ.get("HELPDESK_ADMIN_EMAIL", "admin@example.com")
ADDRESS = os.environ.get("HELPDESK_ADDRESS", "127.0.0.1:8000")
WORKER_COMMAND = [
    sys.executable,
    "-m",
    "celery",
    "-A",
    "helpdesk",
    "worker",
    "--beat",
    "--pool",
    "solo",
    "--loglevel",
    "WARNING",
]
RESTART_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0)
QUICK_EXIT_SECONDS = 30.0
MAX_QUICK_EXITS = 5
POLL_SECONDS = 0.5


def manage(*args: str, capture: bool = False) -> str:
    """Runs a management command; with ``capture``, returns its stdout and keeps its stderr off the screen
    (shown only if the command fails)."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        check=False,
        text=True,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.PIPE if capture else None,
    )
    if result.returncode != 0:
        if result.stderr:
            sys.stderr.write(result.stderr)
        raise subprocess.CalledProcessError(result.returncode, result.args, result.stdout, result.stderr)
    return result.stdout or ""


def mail_to_files() -> str:
    """Where outgoing mail goes when ``EMAIL_URL`` is not set: files in the data directory, not the terminal
    (django-environ reads ``filemail:////abs/path`` as the absolute path)."""
    if "EMAIL_URL" in os.environ:
        return ""
    directory = DATA_DIR / "sent-mail"
    directory.mkdir(parents=True, exist_ok=True)
    os.environ["EMAIL_URL"] = f"filemail:///{directory}"
    return str(directory)


def remembered(name: str, make) -> str:
    """A value made once and kept in the data directory (the admin's password, the demo API key)."""
    path = DATA_DIR / name
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def first_run() -> tuple[str, str]:
    """Migrates, creates the admin and the demo data once; returns the admin's password and API key. Values
    are passed as ``--option=value`` (and the email after ``--``), so that none, whatever its first
    character, is taken for an option."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    manage("migrate", "--no-input", "-v", "0")
    password = remembered("admin-password", lambda: secrets.token_urlsafe(12))
    manage("bootstrap", f"--email={ADMIN_EMAIL}", f"--password={password}", "--first-name=Ada", "--last-name=Admin")
    if not (DATA_DIR / "demo-loaded").exists():
        manage("seed_demo")
        (DATA_DIR / "demo-loaded").touch()
    api_key = remembered(
        "admin-api-key", lambda: manage("create_api_key", "--", ADMIN_EMAIL, capture=True).splitlines()[-1]
    )
    return password, api_key


def banner(password: str, api_key: str, mail_directory: str) -> str:
    mail = f"  Mail:    written to {mail_directory}/ (set EMAIL_URL to send it)\n" if mail_directory else ""
    return (
        f"\n  Helpdesk is starting on http://{ADDRESS}/ (HELPDESK_ADDRESS to change)\n"
        f"  Admin:   http://{ADDRESS}/admin/   login {ADMIN_EMAIL} / {password}\n"
        f"  API:     http://{ADDRESS}/api/     key   {api_key}\n"
        f"  Try:     curl -H 'X-FreeScout-API-Key: {api_key}' http://{ADDRESS}/api/conversations\n"
        f"  LiveAgent API v1: curl 'http://{ADDRESS}/liveagent/api/application/status?apikey={api_key}'\n"
        f"{mail}"
    )


def wait_until_serving(server: subprocess.Popen, seconds: float = 60.0) -> bool:
    """True once the web server answers; False if it stopped or did not answer in time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"http://{ADDRESS}/healthz", timeout=2):
                return True
        except OSError:
            time.sleep(0.5)
    return False


def shout(message: str) -> None:
    """A line about the worker, on stderr and hard to miss among the server's request log."""
    sys.stderr.write(f"\n  !!! {message}\n\n")
    sys.stderr.flush()


def worker_start() -> subprocess.Popen:
    # Its own process group, with the beat process ``--beat`` forks: a worker that dies (killed, out of
    # memory) takes its beat with it (``group_kill``) rather than leave it running beside the next worker's.
    worker = subprocess.Popen(WORKER_COMMAND, cwd=ROOT, start_new_session=True)
    print(f"  Worker started (pid {worker.pid}).", flush=True)
    return worker


def group_kill(process: subprocess.Popen, signum: int = signal.SIGKILL) -> None:
    """Signals the process group ``process`` leads (its beat child included), if there is one left."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


class WorkerSupervisor:
    """Keeps one worker running next to the server (see the module's docstring). ``check`` is called in
    the serving loop; ``worker`` is the current process."""

    def __init__(self, start=worker_start) -> None:
        self.start = start
        self.worker: subprocess.Popen = start()
        self.started_at = time.monotonic()
        self.quick_exits = 0
        self.restart_at: float | None = None

    def check(self) -> bool:
        """Restarts a dead worker when its delay is over; False once it has given up (the worker cannot
        start)."""
        now = time.monotonic()
        if self.restart_at is not None:
            if now >= self.restart_at:
                self.restart_at = None
                self.worker = self.start()
                self.started_at = now
            return True
        code = self.worker.poll()
        if code is None:
            return True
        group_kill(self.worker)  # what it left behind, its beat process
        lived = now - self.started_at
        self.quick_exits = self.quick_exits + 1 if lived < QUICK_EXIT_SECONDS else 1
        if self.quick_exits >= MAX_QUICK_EXITS:
            shout(
                f"The worker (pid {self.worker.pid}) exited with status {code}, {self.quick_exits} times in a"
                f" row within {QUICK_EXIT_SECONDS:.0f} s of starting: it cannot run. Stopping the server:"
                " without a worker no mail, webhook or scheduled job would go out. See the errors above."
            )
            return False
        delay = RESTART_DELAYS[min(self.quick_exits, len(RESTART_DELAYS)) - 1]
        shout(
            f"The worker (pid {self.worker.pid}) exited with status {code} after {lived:.0f} s: mail, webhooks"
            f" and scheduled jobs are stopped. Restarting it in {delay:.0f} s (what it had queued is kept)."
        )
        self.restart_at = now + delay
        return True

    def stop(self) -> None:
        if self.restart_at is None and self.worker.poll() is None:
            group_kill(self.worker, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.worker.wait(timeout=20)
        group_kill(self.worker)


def stop_on_sigterm(signum: int, frame: object) -> None:
    """``kill <pid>`` stops the server and the worker as Ctrl-C does, rather than leave them running."""
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    os.environ.setdefault("HELPDESK_BASE_URL", f"http://{ADDRESS}")
    mail_directory = mail_to_files()
    password, api_key = first_run()
    text = banner(password, api_key, mail_directory)
    print(text, flush=True)
    supervisor = WorkerSupervisor()
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", ADDRESS], cwd=ROOT)
    status = 0
    try:
        # The server's and the worker's start-up lines have pushed the banner up: show it again, last.
        if wait_until_serving(server):
            print(text, flush=True)
        while server.poll() is None:
            if not supervisor.check():
                status = 1
                break
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        pass
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
        supervisor.stop()
    sys.exit(status)


if __name__ == "__main__":
    main()
