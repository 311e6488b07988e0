"""`make run`'s first run (scripts/run_embedded.py) on a fresh data directory, with the generated admin
password replaced by the awkward ones people and ``secrets.token_urlsafe`` produce (issue 21: one draw in 64
starts with "-"). Real subprocesses (manage.py migrate, bootstrap, seed_demo, create_api_key) on SQLite."""

import importlib.util
import sqlite3
from pathlib import Path

import pytest
from django.contrib.auth.hashers import check_password

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _script(data_dir: Path):
    spec = importlib.util.spec_from_file_location("run_embedded_under_test", ROOT / "scripts" / "run_embedded.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.DATA_DIR = data_dir
    return module


@pytest.mark.parametrize("password", ["-Hzg3cWweKbZeiBH", "--Hzg3cWweKbZe", "a 'quoted\" pass word"])
def test_first_run_creates_the_admin_whatever_the_password(password, tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    # The subprocesses read their database from the data directory, never the suite's server.
    monkeypatch.setenv("HELPDESK_DATA_DIR", str(data_dir))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    script = _script(data_dir)
    monkeypatch.setattr(script.secrets, "token_urlsafe", lambda n: password)

    shown_password, api_key = script.first_run()
    assert shown_password == password
    assert (data_dir / "admin-password").read_text() == password
    assert len(api_key) == 64 and (data_dir / "admin-api-key").read_text() == api_key

    with sqlite3.connect(data_dir / "db.sqlite3") as db:
        (hashed,) = db.execute("SELECT password FROM helpdesk_user WHERE email = 'admin@example.com'").fetchone()
    assert check_password(password, hashed)

    # Every later run takes the same path with the remembered password, and must not fail either.
    assert script.first_run() == (password, api_key)
