"""What `make run` does after installing: migrate, create the admin and demo data once, print how to log
in, then serve with one Celery worker (with beat) next to the web server. Ctrl-C stops both."""

import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("HELPDESK_DATA_DIR", ROOT / "data")).resolve()
ADMIN_EMAIL = os.environ.get("HELPDESK_ADMIN_EMAIL", "admin@example.com")
ADDRESS = os.environ.get("HELPDESK_ADDRESS", "127.0.0.1:8000")


def manage(*args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return result.stdout or ""


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


def main() -> None:
    password, api_key = first_run()

    print(
        f"\n  Helpdesk is starting on http://{ADDRESS}/\n"
        f"  Admin:   http://{ADDRESS}/admin/   login {ADMIN_EMAIL} / {password}\n"
        f"  API:     http://{ADDRESS}/api/     key   {api_key}\n"
        f"  Try:     curl -H 'X-FreeScout-API-Key: {api_key}' http://{ADDRESS}/api/conversations\n"
        f"  LiveAgent API v1: curl 'http://{ADDRESS}/liveagent/api/application/status?apikey={api_key}'\n",
        flush=True,
    )
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
    try:
        subprocess.run([sys.executable, "manage.py", "runserver", ADDRESS], cwd=ROOT, check=False)
    except KeyboardInterrupt:
        pass
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=20)


if __name__ == "__main__":
    main()
