"""What `make run` does after installing: migrate, create the admin and demo data once, print how to log
in, then serve with one Celery worker (with beat) next to the web server. Ctrl-C stops both.

The login banner must stay on screen: the mail the worker sends (the demo's notifications among it) goes to
files under ``data/sent-mail/`` rather than to the terminal, unless ``EMAIL_URL`` says otherwise, and the
commands' own chatter (``create_api_key``'s "store it now") is captured, since this script stores the key.
``HELPDESK_ADDRESS`` (default ``127.0.0.1:8000``) is where the server listens."""

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


def main() -> None:
    os.environ.setdefault("HELPDESK_BASE_URL", f"http://{ADDRESS}")
    mail_directory = mail_to_files()
    password, api_key = first_run()
    text = banner(password, api_key, mail_directory)
    print(text, flush=True)
    worker = subprocess.Popen(
        [
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
        ],
        cwd=ROOT,
    )
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", ADDRESS], cwd=ROOT)
    try:
        # The server's and the worker's start-up lines have pushed the banner up: show it again, last.
        if wait_until_serving(server):
            print(text, flush=True)
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for process in (server, worker):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
        worker.wait(timeout=20)


if __name__ == "__main__":
    main()
