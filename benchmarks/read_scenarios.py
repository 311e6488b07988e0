"""The read scenarios beyond the conversation list (issue 22): customers, the API's subject search, and the
agent UI (its folder list, the unfiltered list, a conversation page and the message-text search) with a
signed-in session, as ``benchmarks.run`` loads them.
"""

import random
from typing import Any

from benchmarks.load_data import BENCH_ADMIN_EMAIL

CONVERSATION_PAGES = 200
CUSTOMER_EMAILS = 1_000
SEED = 22
# The word the loaded data carries in about 0.1 % of threads and nowhere else (``load_text.RARE_WORD``): the
# message-text search target's needle. A dataset loaded before it had one needs ``--search``.
DEFAULT_SEARCH = "kumquat"
DEFAULT_SUBJECT = "VAT"
UI_LIST = "/admin/conversations/conversation/"


def session_cookie(user: Any) -> str:
    """A ``Cookie`` header of a signed-in session of ``user``, made as a login makes it (stored in the
    benchmark database, where the server's workers read it)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def ui_users() -> tuple[Any, Any]:
    """The admin, who sees every mailbox, and the first agent granted the largest mailbox (its queries carry
    the mailbox scoping every agent's do)."""
    from helpdesk.models import User
    from mailboxes.models import Mailbox

    mailbox = Mailbox.objects.order_by("id").first()
    agent = User.objects.filter(role=User.Role.USER, mailboxuser__mailbox=mailbox).order_by("id").first()
    assert agent is not None, "no agent of the benchmark's first mailbox"
    return User.objects.get(email=BENCH_ADMIN_EMAIL), agent


def read_scenarios_for(*, search: str = DEFAULT_SEARCH, subject: str = DEFAULT_SUBJECT) -> list:
    """The scenarios, each with the paths it cycles through (ids and emails picked with a fixed seed)."""
    from urllib.parse import urlencode

    from benchmarks.run import Scenario
    from conversations.models import Conversation
    from customers.models import CustomerEmail
    from mailboxes.models import Folder, Mailbox

    rng = random.Random(SEED)  # noqa: S311
    mailbox = Mailbox.objects.order_by("id").first()
    assert mailbox is not None, "no benchmark data"
    unassigned = Folder.objects.get(mailbox=mailbox, type=Folder.Type.UNASSIGNED, user=None)
    conversation_ids = list(Conversation.objects.filter(mailbox=mailbox).values_list("pk", flat=True)[:50_000])
    pages = rng.sample(conversation_ids, min(CONVERSATION_PAGES, len(conversation_ids)))
    emails = list(CustomerEmail.objects.order_by("id").values_list("email", flat=True)[:20_000])
    emails = rng.sample(emails, min(CUSTOMER_EMAILS, len(emails)))
    admin, agent = (session_cookie(user) for user in ui_users())
    return [
        Scenario("customers", ["/api/customers?pageSize=50"], True, "customer list, newest first, 50 per page"),
        Scenario(
            "customer_email",
            [f"/api/customers?{urlencode({'email': email})}" for email in emails],
            True,
            f"customer search by email (exact, any of the customer's), cycling {len(emails)} emails",
        ),
        Scenario("customer_name", ["/api/customers?lastName=Novak&pageSize=50"], True, "customer search by last name"),
        Scenario(
            "subject",
            [f"/api/conversations?{urlencode({'subject': subject, 'pageSize': 50})}"],
            True,
            f"API subject search (contains {subject!r}, any mailbox, exact totalElements)",
        ),
        Scenario(
            "ui_folder",
            [f"{UI_LIST}?folder={unassigned.pk}"],
            False,
            f"agent UI: {mailbox.name}'s Unassigned folder as the admin (list, counts, sidebar)",
            cookie=admin,
        ),
        Scenario(
            "ui_folder_agent",
            [f"{UI_LIST}?folder={unassigned.pk}"],
            False,
            f"agent UI: the same folder as an agent of {mailbox.name} only",
            cookie=agent,
        ),
        Scenario("ui_list", [UI_LIST], False, "agent UI: the unfiltered list as the admin", cookie=admin),
        Scenario(
            "ui_conversation",
            [f"{UI_LIST}{pk}/change/" for pk in pages],
            False,
            f"agent UI: a conversation page as the admin, cycling {len(pages)} conversations",
            cookie=admin,
        ),
        Scenario(
            "ui_search",
            [f"{UI_LIST}?{urlencode({'q': search})}"],
            False,
            f"agent UI: the list's search for {search!r} (message text, subject, customer) as the admin",
            cookie=admin,
        ),
    ]
