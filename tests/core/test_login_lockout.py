"""Admin sign-in against password guessing (issue 20, item 4), through HTTP: django-axes counts failed logins
per username and client address; past the limit every login of that username from that address, the right
password included, is refused with the admin's lockout page (429, Retry-After) until the lockout is over or
an admin lifts it."""

import json
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.db.models import F

from tests.admin_helpers import admin_url
from tests.core.test_settings import run as run_settings
from tests.factories import AdminFactory, UserFactory

LOGIN = "/admin/login/"
PASSWORD = "correct horse battery staple"
HOME = "203.0.113.7"
ELSEWHERE = "198.51.100.20"


@pytest.fixture(autouse=True)
def _fast_hashes(settings):
    # Dozens of logins per test; the default hasher's cost would dominate the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def ada(db):
    return AdminFactory(email="ada@example.com", password=PASSWORD)


def sign_in(client, email: str, password: str, ip: str = HOME):
    return client.post(LOGIN, {"username": email, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip)


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def locked_out(response) -> bool:
    text = response.content.decode()
    return response.status_code == 429 and "Too many failed sign-ins" in text and "Wait 15 minutes" in text


def fail(client, email: str, times: int, ip: str = HOME) -> list:
    return [sign_in(client, email, "wrong password", ip) for _ in range(times)]


def clock_forward(delta: timedelta) -> None:
    """Moves the clock ``delta`` ahead for the lockout: every recorded attempt becomes that much older."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - delta)


def test_thirty_wrong_passwords_then_the_right_one_is_refused_with_the_lockout_page(client, ada):
    answers = fail(client, ada.email, 30)

    # The form's own error up to the limit; from the tenth failure on, the lockout.
    assert [a.status_code for a in answers[:9]] == [200] * 9
    assert all(locked_out(a) for a in answers[9:])
    right = sign_in(client, ada.email, PASSWORD)
    assert locked_out(right)
    assert right["Retry-After"] == str(15 * 60)
    assert right["Content-Type"].startswith("text/html")
    # In the admin's look: its header and stylesheet, no login form to keep guessing in.
    page = right.content.decode()
    assert 'id="site-name"' in page and "helpdesk/admin.css" in page
    assert 'name="password"' not in page
    assert client.get("/admin/").status_code == 302  # not signed in


def test_the_lockout_ends_after_fifteen_minutes_and_each_attempt_restarts_it(client, ada):
    fail(client, ada.email, 10)

    clock_forward(timedelta(minutes=14))
    assert locked_out(sign_in(client, ada.email, PASSWORD))
    # That refused attempt started the wait again: 14 minutes on, still locked.
    clock_forward(timedelta(minutes=14))
    assert locked_out(sign_in(client, ada.email, PASSWORD))
    clock_forward(timedelta(minutes=15, seconds=1))
    assert signed_in(sign_in(client, ada.email, PASSWORD))
    assert client.get("/admin/").status_code == 200


def test_another_address_or_another_username_is_not_locked(client, ada):
    grace = UserFactory(email="grace@example.com", password=PASSWORD)
    fail(client, ada.email, 12)

    assert signed_in(sign_in(client, ada.email, PASSWORD, ip=ELSEWHERE))
    client.logout()
    assert signed_in(sign_in(client, grace.email, PASSWORD))


def test_nine_failures_then_the_right_password_signs_in_and_starts_the_count_again(client, ada):
    fail(client, ada.email, 9)
    assert signed_in(sign_in(client, ada.email, PASSWORD))
    client.logout()
    # The success reset the count: nine more failures still leave the right password working.
    fail(client, ada.email, 9)
    assert signed_in(sign_in(client, ada.email, PASSWORD))


def test_the_email_counts_as_one_username_whatever_its_case_or_padding(client, ada):
    for index in range(10):
        sign_in(client, ["ADA@example.com", " ada@EXAMPLE.com ", "Ada@Example.Com"][index % 3], "wrong")

    assert locked_out(sign_in(client, ada.email, PASSWORD))


def test_unknown_usernames_are_locked_out_alike(client, db):
    answers = fail(client, "nobody@example.com", 11)

    assert answers[8].status_code == 200
    assert locked_out(answers[10])


def test_settings_change_the_limit_and_the_lockout(client, ada, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=2)

    answers = fail(client, ada.email, 3)

    assert answers[1].status_code == 200
    assert answers[2].status_code == 429 and "Wait 2 minutes" in answers[2].content.decode()
    assert answers[2]["Retry-After"] == "120"


def test_an_admin_unlocks_in_the_admin(client, ada, admin_client):
    fail(client, ada.email, 10)
    attempt = AccessAttempt.objects.get(username=ada.email, ip_address=HOME)
    assert "wrong password" not in attempt.post_data  # the guesses are not kept

    listed = admin_client.get(admin_url(AccessAttempt, "changelist"))
    assert listed.status_code == 200 and ada.email in listed.content.decode()
    deleted = admin_client.post(admin_url(AccessAttempt, "delete", attempt.pk), {"post": "yes"})
    assert deleted.status_code == 302

    assert signed_in(sign_in(client, ada.email, PASSWORD))


def test_agents_do_not_see_the_attempts(client, ada, agent_client):
    fail(client, ada.email, 10)

    assert agent_client.get(admin_url(AccessAttempt, "changelist")).status_code == 403


def test_an_admin_unlocks_with_a_command(client, ada):
    fail(client, ada.email, 10)

    call_command("axes_reset_ip_username", HOME, ada.email)

    assert signed_in(sign_in(client, ada.email, PASSWORD))


def test_behind_a_proxy_the_forwarded_client_is_counted(client, ada, settings):
    """With one trusted proxy, the client is the right-most X-Forwarded-For entry (what the proxy saw);
    entries to its left are the client's own and change nothing."""
    settings.HELPDESK_TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for index in range(10):
        client.post(
            LOGIN,
            {"username": ada.email, "password": "wrong"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{index}, {HOME}",
        )

    assert AccessAttempt.objects.get().ip_address == HOME
    via_home = client.post(
        LOGIN, {"username": ada.email, "password": PASSWORD}, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=HOME
    )
    assert locked_out(via_home)
    via_elsewhere = client.post(
        LOGIN,
        {"username": ada.email, "password": PASSWORD, "next": "/admin/"},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR=f"{HOME}, {ELSEWHERE}",
    )
    assert signed_in(via_elsewhere)


LIMITS_PROBE = """
import json
from django.conf import settings
print(json.dumps({
    "login_failures": settings.AXES_FAILURE_LIMIT, "lockout_s": settings.AXES_COOLOFF_TIME.total_seconds(),
    "per": settings.AXES_LOCKOUT_PARAMETERS, "backends": settings.AUTHENTICATION_BACKENDS,
    "key_failures": settings.HELPDESK_API_KEY_FAILURES_PER_MINUTE,
    "key_requests": settings.HELPDESK_API_KEY_REQUESTS_PER_MINUTE, "proxies": settings.HELPDESK_TRUSTED_PROXY_COUNT,
    "cache": settings.CACHES["default"]["BACKEND"], "cache_at": settings.CACHES["default"].get("LOCATION", ""),
}))
"""


def limits_with(env: dict[str, str]) -> dict:
    result = run_settings(env, LIMITS_PROBE)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_limits_and_their_cache_come_from_the_environment(tmp_path):
    defaults = limits_with({"HELPDESK_DATA_DIR": str(tmp_path)})
    assert defaults == {
        "login_failures": 10,
        "lockout_s": 900.0,
        "per": [["username", "ip_address"]],
        "backends": ["axes.backends.AxesStandaloneBackend", "helpdesk.auth.EmailBackend"],
        "key_failures": 20,
        "key_requests": 1000,
        "proxies": 0,
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "cache_at": "",
    }
    changed = limits_with(
        {
            "HELPDESK_DATA_DIR": str(tmp_path),
            "HELPDESK_LOGIN_FAILURE_LIMIT": "5",
            "HELPDESK_LOGIN_LOCKOUT_MINUTES": "60",
            "HELPDESK_API_KEY_FAILURES_PER_MINUTE": "10",
            "HELPDESK_API_KEY_REQUESTS_PER_MINUTE": "5000",
            "HELPDESK_TRUSTED_PROXY_COUNT": "1",
            "REDIS_URL": "redis://cache.internal:6379/0",
        }
    )
    assert (changed["login_failures"], changed["lockout_s"], changed["key_failures"]) == (5, 3600.0, 10)
    assert (changed["key_requests"], changed["proxies"]) == (5000, 1)
    # Production (REDIS_URL set) counts in Redis, shared by every process; CACHE_URL may name another one.
    assert changed["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert changed["cache_at"] == "redis://cache.internal:6379/0"
    apart = limits_with(
        {"HELPDESK_DATA_DIR": str(tmp_path), "REDIS_URL": "redis://a:6379/0", "CACHE_URL": "redis://b:6379/2"}
    )
    assert apart["cache_at"] == "redis://b:6379/2"
