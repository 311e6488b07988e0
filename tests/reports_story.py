"""A few conversations with known timestamps, for the report tests (core, LiveAgent and the admin page): two
mailboxes, two agents, a tag, and events on both sides of two DST changes (Europe/Prague leaves summer time
on 2026-10-25 at 01:00 UTC, America/New_York on 2026-11-01 at 06:00 UTC). The expected figures are written
out by hand in ``EXPECTED``; nothing here computes them."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils import timezone

from conversations import services
from conversations.models import Conversation, Status, Thread
from helpdesk.models import User
from mailboxes.models import Mailbox
from mailboxes.services import mailbox_user_grant
from tests.factories import AdminFactory, ConversationFactory, CustomerFactory, MailboxFactory, UserFactory


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@contextmanager
def clock(monkeypatch, at: datetime) -> Iterator[None]:
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: at)
        yield


@dataclass
class Story:
    support: Mailbox
    billing: Mailbox
    ana: User  # admin
    ben: User  # agent in Support
    c1: Conversation
    c2: Conversation
    c3: Conversation


def _reply(conversation: Conversation, user: User | None, body: str, *, kind: str = Thread.Type.MESSAGE, status=None):
    thread_type = Thread.Type.CUSTOMER if user is None else kind
    return services.thread_create(
        conversation=conversation, thread=services.NewThread(type=thread_type, body=body, user=user), status=status
    )


def tell(monkeypatch) -> Story:
    with clock(monkeypatch, utc("2026-10-01 08:00:00")):
        support = MailboxFactory(name="Support", email="support@example.com")
        billing = MailboxFactory(name="Billing", email="billing@example.com")
        ana = AdminFactory(email="ana@example.com", first_name="Ana", last_name="Admin")
        ben = UserFactory(email="ben@example.com", first_name="Ben", last_name="Agent")
        mailbox_user_grant(mailbox=support, user=ben)
        customer = CustomerFactory(first_name="Cy", last_name="Customer")

    def at(text: str):
        return clock(monkeypatch, utc(text))

    # C1, Support, email, tagged vip: around Prague's DST change.
    with at("2026-10-24 22:30:00"):
        c1 = ConversationFactory(mailbox=support, customer=customer, subject="Printer")
    with at("2026-10-24 23:00:00"):
        services.conversation_assign(conversation=c1, assignee=ben, by_user=ana)
    with at("2026-10-25 00:15:00"):
        _reply(c1, ben, "Try turning it off and on.")
    with at("2026-10-25 01:30:00"):
        _reply(c1, None, "Still broken.")
    with at("2026-10-25 02:00:00"):
        _reply(c1, None, "Hello?")
    with at("2026-10-25 02:10:00"):
        _reply(c1, ben, "New driver attached.")
    with at("2026-10-25 02:20:00"):
        _reply(c1, ben, "Escalated to vendor.", kind=Thread.Type.NOTE)
    with at("2026-10-25 02:40:00"):
        services.conversation_tags_set(conversation=c1, names=["vip"])
    with at("2026-10-25 03:00:00"):
        services.conversation_change_status(conversation=c1, status=Status.CLOSED, by_user=ana)

    # C2, Billing, a phone conversation: closed, reopened by the customer, closed again late on the 25th.
    with at("2026-10-25 10:00:00"):
        c2 = ConversationFactory(mailbox=billing, customer=customer, subject="Invoice", type=Conversation.Type.PHONE)
    with at("2026-10-25 10:20:00"):
        _reply(c2, ana, "Here is your invoice.")
    with at("2026-10-25 11:00:00"):
        services.conversation_change_status(conversation=c2, status=Status.CLOSED, by_user=ana)
    with at("2026-10-25 12:00:00"):
        _reply(c2, None, "Wrong amount.")
    with at("2026-10-25 12:30:00"):
        _reply(c2, ana, "Corrected.")
    with at("2026-10-25 22:30:00"):  # 23:30 in Prague (CET): still the 25th there
        services.conversation_change_status(conversation=c2, status=Status.CLOSED, by_user=ana)

    # C3, Support, started by Ben: around New York's DST change (01:30 happens twice there).
    with at("2026-11-01 05:30:00"):
        c3 = ConversationFactory(
            mailbox=support,
            customer=customer,
            subject="Follow-up",
            threads=[services.NewThread(type=Thread.Type.MESSAGE, body="Checking in.", user=ben)],
        )
    with at("2026-11-01 06:30:00"):
        _reply(c3, None, "All good now.")
    with at("2026-11-01 07:00:00"):
        _reply(c3, ben, "Great, closing soon.")

    # Neither spam nor a draft counts.
    with at("2026-10-25 09:00:00"):
        ConversationFactory(mailbox=support, customer=customer, subject="Buy now", status=Status.SPAM)
    return Story(support=support, billing=billing, ana=ana, ben=ben, c1=c1, c2=c2, c3=c3)


# Hand-computed figures over the whole story, by agent (email), in LiveAgent's column names.
EXPECTED_AGENTS = {
    "ben@example.com": {
        "answers": "4",  # C1 00:15, 02:10; C3 its first message, 07:00
        "newAnswerAvgTime": "6300",  # C1: 22:30 -> 00:15
        "nextAnswerAvgTime": "2100",  # C1: 01:30 -> 02:10 = 2400; C3: 06:30 -> 07:00 = 1800
        "created_tickets": "1",  # C3
        "resolved_tickets": "0",
        "notes": "1",
        "firstAssignAvgTime": "1800",  # C1: 22:30 -> 23:00, to Ben
        "firstResolveAvgTime": "0",
    },
    "ana@example.com": {
        "answers": "2",
        "newAnswerAvgTime": "1200",  # C2: 10:00 -> 10:20
        "nextAnswerAvgTime": "1800",  # C2: 12:00 -> 12:30
        "created_tickets": "0",
        "resolved_tickets": "3",  # C1 03:00; C2 11:00 and 22:30
        "notes": "0",
        "firstAssignAvgTime": "0",
        "firstResolveAvgTime": "9900",  # C1 16200 (22:30 -> 03:00), C2 3600
    },
}
EXPECTED_TOTAL = {
    "answers": "6",
    "newAnswerAvgTime": "3750",  # (6300 + 1200) / 2
    "nextAnswerAvgTime": "2000",  # (2400 + 1800 + 1800) / 3
    "i_messages": "6",  # C1 3, C2 2, C3 1
    "created_tickets": "3",
    "resolved_tickets": "3",
    "notes": "1",
    "firstAssignAvgTime": "1800",
    "firstResolveAvgTime": "9900",
}
