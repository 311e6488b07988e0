"""`make run`'s screen (scripts/run_embedded.py): the login banner names the address it serves on, mail goes
to files rather than over the banner, and no command's "store it now" is left dangling without its key."""

import importlib.util
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def script(tmp_path, monkeypatch):
    monkeypatch.setenv("HELPDESK_ADDRESS", "127.0.0.1:8123")
    # Recorded first, so that what the script sets in os.environ is undone after the test.
    monkeypatch.setenv("EMAIL_URL", "")
    monkeypatch.delenv("EMAIL_URL")
    monkeypatch.setenv("HELPDESK_BASE_URL", "")
    monkeypatch.delenv("HELPDESK_BASE_URL")
    spec = importlib.util.spec_from_file_location("run_embedded_banner", ROOT / "scripts" / "run_embedded.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.DATA_DIR = tmp_path
    return module


def test_the_banner_uses_the_address_and_says_where_mail_goes(script, tmp_path):
    directory = script.mail_to_files()
    assert directory == str(tmp_path / "sent-mail") and (tmp_path / "sent-mail").is_dir()
    text = script.banner("pw", "key123", directory)
    assert "http://127.0.0.1:8123/admin/" in text and "admin@example.com / pw" in text
    assert "curl -H 'X-FreeScout-API-Key: key123' http://127.0.0.1:8123/api/conversations" in text
    assert "8000" not in text
    assert f"written to {tmp_path / 'sent-mail'}/" in text


def test_mail_goes_to_files_only_when_email_url_is_not_set(script, monkeypatch, tmp_path):
    import os

    script.mail_to_files()
    assert os.environ["EMAIL_URL"] == f"filemail:///{tmp_path / 'sent-mail'}"
    import environ

    assert environ.Env.email_url_config(os.environ["EMAIL_URL"])["EMAIL_FILE_PATH"] == str(tmp_path / "sent-mail")
    monkeypatch.setenv("EMAIL_URL", "smtp://mail.example.com:25")
    assert script.mail_to_files() == ""
    assert os.environ["EMAIL_URL"] == "smtp://mail.example.com:25"


def test_a_captured_command_keeps_its_chatter_off_the_screen_unless_it_fails(script, monkeypatch, capfd):
    def fake_run(args, **kwargs):
        assert kwargs["stdout"] is subprocess.PIPE and kwargs["stderr"] is subprocess.PIPE
        failing = "fail" in args
        return subprocess.CompletedProcess(args, 1 if failing else 0, "the-key\n", "(shown once, store it now):\n")

    monkeypatch.setattr(script.subprocess, "run", fake_run)
    assert script.manage("create_api_key", "--", "a@example.com", capture=True) == "the-key\n"
    assert "store it now" not in capfd.readouterr().err
    with pytest.raises(subprocess.CalledProcessError):
        script.manage("fail", capture=True)
    assert "store it now" in capfd.readouterr().err
