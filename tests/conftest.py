import os
import time
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from helpdesk.services import api_key_create
from mailboxes.services import mailbox_user_grant
from tests.factories import AdminFactory, MailboxFactory, UserFactory, WebhookFactory
from webhooks.models import Event


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite, each test process's database is a file of its own, as the embedded default's is, not
    Django's shared in-memory database: over that one, the live server's request threads share the test's
    single connection, so two requests at once (an admin page's presence heartbeat beside a form's POST)
    interleave their transactions and leave the connection broken for the tests after them. Over a file
    each thread has its own connection, with the WAL, IMMEDIATE transactions and busy timeout of
    production."""
    from django.conf import settings

    for database in settings.DATABASES.values():
        if database["ENGINE"] == "helpdesk.sqlite3":
            database["TEST"]["NAME"] = str(tmp_path_factory.mktemp("sqlite") / "test.sqlite3")


@pytest.fixture(autouse=True)
def _fresh_rate_limit_counters(monkeypatch):
    """Each test starts with no request counted (helpdesk.ratelimit keeps its counters in the cache, which
    the default local-memory backend keeps for the whole test process), so no test is throttled because
    of the requests of those before it; and counts in one fixed window, its clock pinned to the test's
    start, so that a slow run crossing a minute boundary does not start its counts again (a test that
    moves to the next window pins its own time)."""
    from django.core.cache import cache

    cache.clear()
    pinned = time.time()
    monkeypatch.setattr("helpdesk.ratelimit.time", SimpleNamespace(time=lambda: pinned))


@pytest.fixture(autouse=True)
def _replies_sent_at_once(settings):
    """The agent UI's Send publishes at once, as the tests written before undo send expect; the undo send
    tests (tests/core/test_undo_send*.py) set a window of their own."""
    settings.HELPDESK_UNDO_SEND_SECONDS = 0


@pytest.fixture
def admin(db):
    return AdminFactory(email="admin@example.com", first_name="Ada", last_name="Admin")


@pytest.fixture
def agent(db):
    return UserFactory(email="agent@example.com", first_name="Alan", last_name="Agent")


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def mailbox(db):
    return MailboxFactory(name="Support", email="support@example.com")


@pytest.fixture
def agent_client(client, agent, mailbox):
    """The test client logged in to the admin as ``agent``, who has access to ``mailbox``."""
    mailbox_user_grant(mailbox=mailbox, user=agent)
    client.force_login(agent)
    return client


@pytest.fixture
def hook(db):
    """A webhook subscribed to every event."""
    return WebhookFactory(events=list(Event.values))


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def admin_key(admin):
    return api_key_create(user=admin)[1]


@pytest.fixture
def admin_api(admin_key):
    client = APIClient()
    client.credentials(HTTP_X_FREESCOUT_API_KEY=admin_key)
    return client


@pytest.fixture(autouse=True)
def _responses_match_openapi_schema(monkeypatch):
    """Every API response a test produces, whichever test calls the API, must match its dialect's schema:
    FreeScout's (``/api/``) the OpenAPI schema (tests/freescout/openapi_validation.py), LiveAgent's
    (``/liveagent/api/``) the per-operation schemas of liveagent.schema (tests/liveagent/schema_validation.py).
    Each check ignores the other's paths."""
    from django.test import Client

    from tests.freescout.openapi_validation import check_response as check_freescout
    from tests.liveagent.schema_validation import check_response as check_liveagent

    original = Client.request

    def request(self, **kwargs):
        response = original(self, **kwargs)
        check_freescout(response)
        check_liveagent(response)
        return response

    monkeypatch.setattr(Client, "request", request)


@pytest.fixture(scope="session")
def browser():
    """One headless chromium per test process (tests/browser.py)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (make install)")
    from tests.browser import CHROMIUM

    # Playwright's sync API runs an event loop in this thread from here on; the tests' own ORM calls are
    # still synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def csp_violations():
    """The Content-Security-Policy violations chromium reported in this test's pages (``browser_context``'s),
    as (page URL, console text). The test fails on any left in the list at its end: a test that provokes
    some on purpose checks them and empties the list."""
    return []


def _live_requests_finished(django_db_blocker, seconds: float = 10.0) -> None:
    """Waits until no other session works in the test database: a request the closed pages sent last (a
    heartbeat, a poll) may still run in a live server thread, and the database's flush after the test then
    deadlocked with it (its TRUNCATE locking every table while the request held one and wanted another)."""
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            return
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND pid <> pg_backend_pid() AND state <> 'idle'"
                )
                if cursor.fetchone()[0] == 0:
                    return
            time.sleep(0.05)


@pytest.fixture
def browser_context(browser, csp_violations, django_db_blocker):
    """A fresh context (cookies, storage) of the shared browser; call ``.new_page()`` for each user. Any
    Content-Security-Policy violation in its pages fails the test (``csp_violations``)."""
    from tests.browser import VIEWPORT, csp_violations_watch

    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(15_000)
    csp_violations_watch(context, csp_violations)
    yield context
    context.close()
    _live_requests_finished(django_db_blocker)
    assert not csp_violations, f"Content-Security-Policy violations: {csp_violations}"


@pytest.fixture
def browser_page(browser_context):
    return browser_context.new_page()
