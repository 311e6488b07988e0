"""Settings come from the environment, with the embedded default when nothing is set. Each case runs in a
fresh interpreter, because settings are read once per process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "atomic": db["ATOMIC_REQUESTS"], "options": db.get("OPTIONS", {}),
    "broker": settings.CELERY_BROKER_URL, "debug": settings.DEBUG, "hosts": settings.ALLOWED_HOSTS,
    "base_url": settings.HELPDESK_BASE_URL, "cors_all": settings.CORS_ALLOW_ALL_ORIGINS,
    "cors": settings.CORS_ALLOWED_ORIGINS, "private": settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    "email": settings.EMAIL_BACKEND, "secret_len": len(settings.SECRET_KEY),
}))
"""
STRONG_SECRET = "k7#Qv9!zL2@pX4$wR8^mN1&bT6*yH3(jF5)dS0_gA-cE+uI=oP[lK]"


def run(env: dict[str, str], code: str = PROBE, settings: str = "helpdesk.settings") -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "DJANGO_SETTINGS_MODULE": settings}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_with(env: dict[str, str]) -> dict:
    result = run(env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_nothing_set_means_the_embedded_default(tmp_path):
    values = settings_with({"HELPDESK_DATA_DIR": str(tmp_path)})
    assert values["engine"] == "helpdesk.sqlite3"  # Django's, whose rollbacks also delete their files
    assert values["name"] == str(tmp_path / "db.sqlite3")
    assert values["options"]["transaction_mode"] == "IMMEDIATE"
    assert values["atomic"] is True
    assert values["broker"] == "filesystem://"
    assert (tmp_path / "broker").is_dir()
    assert values["debug"] is False
    assert values["base_url"] == "http://127.0.0.1:8000"
    assert values["private"] is False
    assert values["email"] == "django.core.mail.backends.console.EmailBackend"
    # A generated key, kept so that sessions survive a restart.
    assert values["secret_len"] >= 50
    assert settings_with({"HELPDESK_DATA_DIR": str(tmp_path)})["secret_len"] == values["secret_len"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_services_from_the_environment(tmp_path):
    values = settings_with(
        {
            "HELPDESK_DATA_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://helpdesk:pw@db.internal:5432/helpdesk",
            "REDIS_URL": "redis://cache.internal:6379/0",
            "DEBUG": "true",
            "ALLOWED_HOSTS": "help.example.com,api.example.com",
            "HELPDESK_BASE_URL": "https://help.example.com/",
            "HELPDESK_CORS_ORIGINS": "https://app.example.com",
            "HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS": "1",
            "EMAIL_URL": "smtp+tls://mailer:pw@smtp.example.com:587",
        }
    )
    assert values["engine"] == "helpdesk.postgresql"
    assert values["name"] == "helpdesk"
    assert "statement_timeout=30000" in values["options"]["options"]
    assert "plan_cache_mode=force_generic_plan" in values["options"]["options"]
    assert values["options"]["prepare_threshold"] == 5
    assert values["atomic"] is True
    assert values["broker"] == "redis://cache.internal:6379/0"
    assert values["debug"] is True
    assert values["hosts"] == ["help.example.com", "api.example.com"]
    assert values["base_url"] == "https://help.example.com"
    assert values["cors"] == ["https://app.example.com"] and values["cors_all"] is False
    assert values["private"] is True
    assert values["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert not (tmp_path / "broker").exists()


def test_prepared_statements_can_be_turned_off_for_an_old_transaction_pooler(tmp_path):
    values = settings_with(
        {
            "HELPDESK_DATA_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://helpdesk:pw@pgbouncer.internal:6432/helpdesk",
            "DATABASE_PREPARED_STATEMENTS": "off",
        }
    )
    assert "prepare_threshold" not in values["options"]
    assert values["options"]["options"] == "-c statement_timeout=30000"


def test_celery_broker_url_wins_over_redis_url_and_cors_star_allows_all(tmp_path):
    values = settings_with(
        {
            "HELPDESK_DATA_DIR": str(tmp_path),
            "REDIS_URL": "redis://a:6379/0",
            "CELERY_BROKER_URL": "redis://b:6379/1",
            "HELPDESK_CORS_ORIGINS": "*",
        }
    )
    assert values["broker"] == "redis://b:6379/1"
    assert values["cors_all"] is True


@pytest.mark.parametrize("secret", [None, "", "short", "a" * 60])
def test_production_refuses_to_start_without_a_real_secret_key(tmp_path, secret):
    env = {"HELPDESK_DATA_DIR": str(tmp_path)}
    if secret is not None:
        env["SECRET_KEY"] = secret
    result = run(env, settings="helpdesk.settings_production")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        "HELPDESK_DATA_DIR": str(tmp_path),
        "SECRET_KEY": STRONG_SECRET,
        # A Fernet key (secrets at rest, tests/core/test_encrypted_secrets.py), required in production.
        "HELPDESK_ENCRYPTION_KEYS": "45TVXFndFgJACATCi44F8oQd_Ngy8leiftJC5zH41_A=",
        "ALLOWED_HOSTS": "help.example.com",
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings_production",
        "PATH": os.environ["PATH"],
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_manage_py_in_a_checkout_uses_the_same_database_as_make_run():
    # scripts/run_embedded.py (make run) and a bare `python manage.py` both use ./data/db.sqlite3.
    values = settings_with({"SECRET_KEY": STRONG_SECRET})
    assert values["name"] == str(ROOT / "data" / "db.sqlite3")
