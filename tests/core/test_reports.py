"""The report figures (reports/): derived from the threads, kept in the writer's transaction, exact over any
range, equal after a rebuild. The story and its hand-computed figures: tests/reports_story.py."""

import itertools
from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from conversations import services
from conversations.services.labels import conversation_tag_add, tag_delete
from reports.models import Grain, HourlyFigure, ReportFact
from reports.selectors import bucket_bounds, figures_by, figures_series, new_answer_counts
from reports.services import figures_compact
from tests.reports_story import clock, tell, utc

pytestmark = pytest.mark.django_db

WHOLE = (utc("2026-10-01 00:00:00"), utc("2026-12-01 00:00:00"))


def _measures(**values: int) -> Counter:
    return Counter({k: v for k, v in values.items() if v})


def _snapshot() -> tuple[list, list]:
    figures_compact()
    keys = ("grain", "hour", "mailbox_id", "agent_id", "channel", "tag_id")
    hourly = sorted(
        tuple(row) for row in HourlyFigure.objects.values_list(*keys, *[f.name for f in HourlyFigure._meta.fields][7:])
    )
    facts = sorted(
        ReportFact.objects.values_list("conversation_id", "kind", "at", "agent_id", "mailbox_id", "channel", "seconds")
    )
    return hourly, facts


def test_figures_by_agent_are_the_hand_computed_ones(monkeypatch):
    story = tell(monkeypatch)
    by_agent = figures_by(grain=Grain.AGENT, start=WHOLE[0], end=WHOLE[1])
    assert by_agent[story.ben.pk] == _measures(
        answers=4, new_answers=1, new_answer_seconds=6300, next_answers=2, next_answer_seconds=4200, created=1,
        notes=1, first_assigns=1, first_assign_seconds=1800,
    )  # fmt: skip
    assert by_agent[story.ana.pk] == _measures(
        answers=2, new_answers=1, new_answer_seconds=1200, next_answers=1, next_answer_seconds=1800, resolved=3,
        first_resolves=2, first_resolve_seconds=19800,
    )  # fmt: skip
    assert by_agent[0] == _measures(created=2, incoming=6)  # the customers' conversations and messages


def test_new_answers_counted_by_how_long_they_took(monkeypatch):
    story = tell(monkeypatch)
    bands = [3600, 4 * 3600, 24 * 3600, None]
    # C2's took 1,200 s, C1's 6,300 s; C3 was started by an agent (no new answer).
    assert new_answer_counts(start=WHOLE[0], end=WHOLE[1], limits=bands) == [1, 1, 0, 0]
    assert new_answer_counts(start=WHOLE[0], end=WHOLE[1], limits=bands, mailbox_ids=[story.billing.pk]) == [1, 0, 0, 0]
    assert new_answer_counts(start=WHOLE[0], end=WHOLE[1], limits=[6300, None]) == [1, 1]
    assert new_answer_counts(start=WHOLE[0], end=utc("2026-10-25 00:15:00"), limits=bands) == [0, 0, 0, 0]


def test_figures_by_mailbox_channel_and_tag(monkeypatch):
    story = tell(monkeypatch)
    by_mailbox = figures_by(grain=Grain.MAILBOX, start=WHOLE[0], end=WHOLE[1])
    assert by_mailbox[story.billing.pk]["answers"] == 2
    assert by_mailbox[story.support.pk]["answers"] == 4
    by_channel = figures_by(grain=Grain.CHANNEL, start=WHOLE[0], end=WHOLE[1])
    assert set(by_channel) == {"email", "phone"}
    assert by_channel["phone"]["incoming"] == 2
    by_tag = figures_by(grain=Grain.TAG, start=WHOLE[0], end=WHOLE[1])
    (vip,) = story.c1.tags.all()
    # The tag came at 02:40; every fact of C1 counts under it (tags are the conversation's current ones).
    assert by_tag == {vip.pk: _measures(
        created=1, incoming=3, answers=2, new_answers=1, new_answer_seconds=6300, next_answers=1,
        next_answer_seconds=2400, notes=1, resolved=1, first_assigns=1, first_assign_seconds=1800,
        first_resolves=1, first_resolve_seconds=16200,
    )}  # fmt: skip


def test_a_range_not_on_whole_hours_is_exact(monkeypatch):
    story = tell(monkeypatch)
    # From C1's first second to 01:14:59.999999: its creation, the assignment and the first answer.
    start, end = utc("2026-10-24 22:30:00"), utc("2026-10-25 01:15:00")
    got = figures_by(grain=Grain.AGENT, start=start, end=end)
    assert got == {
        0: _measures(created=1, incoming=1),
        story.ben.pk: _measures(
            answers=1, new_answers=1, new_answer_seconds=6300, first_assigns=1, first_assign_seconds=1800
        ),
    }
    # One microsecond later the creation and the first message are out.
    assert 0 not in figures_by(grain=Grain.AGENT, start=start + timedelta(microseconds=1), end=end)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-10-24 22:29:59", "2026-10-25 02:10:00"),
        ("2026-10-25 00:00:00", "2026-10-25 03:00:00"),
        ("2026-10-25 02:10:00", "2026-10-25 02:10:01"),
        ("2026-10-20 10:17:00", "2026-11-03 00:00:01"),
    ],
)
def test_hours_and_edges_agree_with_the_facts(monkeypatch, start, end):
    tell(monkeypatch)
    start_at, end_at = utc(start), utc(end)
    expected: Counter = Counter()
    for fact in ReportFact.objects.filter(at__gte=start_at, at__lt=end_at):
        expected[fact.kind] += 1
    got = figures_by(grain=Grain.MAILBOX, start=start_at, end=end_at)
    total: Counter = Counter()
    for figures in got.values():
        total.update(figures)
    assert total["answers"] == expected[3]
    assert total["incoming"] == expected[2]
    assert total["resolved"] == expected[7]


def test_rebuild_equals_incremental(monkeypatch):
    story = tell(monkeypatch)
    with clock(monkeypatch, utc("2026-11-02 09:00:00")):
        services.conversation_move(conversation=story.c3, mailbox=story.billing, by_user=story.ana)
        services.conversation_tags_set(conversation=story.c2, names=["vip", "refund"])
    incremental = _snapshot()
    assert incremental[0] and incremental[1]
    call_command("reports_rebuild", verbosity=0)
    assert _snapshot() == incremental


def test_deleting_restoring_and_erasing_update_the_figures(monkeypatch):
    story = tell(monkeypatch)

    def answers() -> int:
        return sum(f["answers"] for f in figures_by(grain=Grain.AGENT, start=WHOLE[0], end=WHOLE[1]).values())

    assert answers() == 6
    services.conversation_delete(conversation=story.c2, by_user=story.ana)
    assert answers() == 4
    services.conversation_restore(conversation=story.c2, by_user=story.ana)
    assert answers() == 6
    services.conversation_delete_forever(conversation=story.c3)
    assert answers() == 4
    assert not ReportFact.objects.filter(conversation_id=story.c3.pk).exists()
    (vip,) = story.c1.tags.all()
    tag_delete(tag=vip)
    assert figures_by(grain=Grain.TAG, start=WHOLE[0], end=WHOLE[1]) == {}
    incremental = _snapshot()
    call_command("reports_rebuild", verbosity=0)
    assert _snapshot() == incremental


def test_day_buckets_follow_each_zone_across_dst(monkeypatch):
    tell(monkeypatch)
    prague = ZoneInfo("Europe/Prague")
    start, end = utc("2026-10-23 22:00:00"), utc("2026-10-25 23:00:00")  # 24th and 25th, Prague time
    buckets = bucket_bounds(start=start, end=end, group_by="day", zone=prague, first=0, count=10)
    assert buckets == [
        (utc("2026-10-23 22:00:00"), utc("2026-10-24 22:00:00")),
        (utc("2026-10-24 22:00:00"), utc("2026-10-25 23:00:00")),  # 25 hours: summer time ends
    ]
    series = figures_series(buckets=buckets)
    assert series[0]["answers"] == 0
    assert series[1]["answers"] == 4 and series[1]["resolved"] == 3  # C2's 23:30 CET closing included
    new_york = ZoneInfo("America/New_York")
    start, end = utc("2026-10-24 04:00:00"), utc("2026-10-26 04:00:00")  # 24th and 25th, New York time
    series = figures_series(
        buckets=bucket_bounds(start=start, end=end, group_by="day", zone=new_york, first=0, count=10)
    )
    assert [s["answers"] for s in series] == [2, 2]  # C1 on the 24th there, C2 on the 25th
    assert [s["resolved"] for s in series] == [1, 2]


def test_hour_buckets_repeat_the_hour_new_york_lives_twice(monkeypatch):
    tell(monkeypatch)
    new_york = ZoneInfo("America/New_York")
    start, end = utc("2026-11-01 04:00:00"), utc("2026-11-01 09:00:00")
    buckets = bucket_bounds(start=start, end=end, group_by="hour", zone=new_york, first=0, count=100)
    assert [b[0].astimezone(new_york).strftime("%H:%M") for b in buckets] == [
        "00:00",
        "01:00",
        "01:00",
        "02:00",
        "03:00",
    ]
    assert [(s["created"], s["incoming"], s["answers"]) for s in figures_series(buckets=buckets)] == [
        (0, 0, 0), (1, 0, 1), (0, 1, 0), (0, 0, 1), (0, 0, 0),
    ]  # fmt: skip


def test_half_hour_zones_split_hours_exactly(monkeypatch):
    tell(monkeypatch)
    kolkata = ZoneInfo("Asia/Kolkata")  # UTC+5:30: every local hour straddles two UTC hours
    start, end = utc("2026-10-24 18:30:00"), utc("2026-10-25 18:30:00")
    buckets = bucket_bounds(start=start, end=end, group_by="hour", zone=kolkata, first=0, count=100)
    series = figures_series(buckets=buckets)
    for (bucket_start, bucket_end), figures in zip(buckets, series, strict=True):
        assert figures["answers"] == ReportFact.objects.filter(kind=3, at__gte=bucket_start, at__lt=bucket_end).count()
    assert sum(s["answers"] for s in series) == 4


@pytest.mark.parametrize("zone_name", ["Europe/Prague", "America/New_York", "Asia/Kolkata"])
def test_every_bucket_holds_exactly_its_facts(monkeypatch, zone_name):
    """The buckets' sums (whole hours summed by bucket in the database, the rest from the facts) against the
    facts counted in each bucket, every measure, with and without a mailbox filter."""
    from reports.models import MEASURES

    story = tell(monkeypatch)
    zone = ZoneInfo(zone_name)
    start, end = utc("2026-10-01 07:20:00"), utc("2026-11-30 13:50:00")
    for group_by, mailbox_ids in itertools.product(["hour", "day", "week", "month"], [None, [story.support.pk]]):
        buckets = bucket_bounds(start=start, end=end, group_by=group_by, zone=zone, first=0, count=2000)
        expected = []
        for bucket_start, bucket_end in buckets:
            figures: Counter = Counter()
            facts = ReportFact.objects.filter(at__gte=bucket_start, at__lt=bucket_end)
            if mailbox_ids is not None:
                facts = facts.filter(mailbox_id__in=mailbox_ids)
            for fact in facts:
                count_column, seconds_column = MEASURES[fact.kind]
                figures[count_column] += 1
                if seconds_column is not None:
                    figures[seconds_column] += fact.seconds
            expected.append(+figures)
        assert [+s for s in figures_series(buckets=buckets, mailbox_ids=mailbox_ids)] == expected
        assert sum(e["answers"] for e in expected) == (6 if mailbox_ids is None else 4)


def test_buckets_page_without_listing_the_range():
    zone = ZoneInfo("UTC")
    start, end = utc("0001-01-01 00:00:00"), utc("9999-12-31 23:00:00")
    page = bucket_bounds(start=start, end=end, group_by="hour", zone=zone, first=10**6, count=2)
    assert page == [(start + timedelta(hours=10**6), start + timedelta(hours=10**6 + 1)),
                    (start + timedelta(hours=10**6 + 1), start + timedelta(hours=10**6 + 2))]  # fmt: skip
    months = bucket_bounds(start=utc("9999-11-15 00:00:00"), end=end, group_by="month", zone=zone, first=0, count=5)
    assert len(months) == 2


def test_the_demo_data_is_reported_as_soon_as_it_is_made():
    """``make run`` seeds the demo through the services: its figures exist at once, equal to a rebuild's."""
    call_command("seed_demo", verbosity=0)
    assert ReportFact.objects.exists()
    incremental = _snapshot()
    call_command("reports_rebuild", verbosity=0)
    assert _snapshot() == incremental


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_the_figures_a_rebuild_would_make():
    """Replies and tags written at once on one conversation (tags take no conversation lock): the figures
    end as a rebuild derives them. One writer per tag service: two ``conversation_tags_set`` at once on one
    conversation race on their own (the same pair inserted twice). PostgreSQL only (SQLite writes one at a
    time)."""
    import threading

    from django.db import connection

    from conversations.models import Thread
    from tests.factories import ConversationFactory, UserFactory

    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers")
    writer = UserFactory(role="admin")
    conversation = ConversationFactory()
    # The tags exist beforehand: creating one name twice at once is conversation_tags_set's own race.
    for name in ["shared", *(f"t{n}-{r}" for n in range(4) for r in range(3))]:
        services.tag_create(name=name)
    barrier = threading.Barrier(4)
    errors = []

    def write(n: int) -> None:
        try:
            barrier.wait()
            for round_ in range(3):
                if n == 1:
                    services.conversation_tags_set(conversation=conversation, names=[f"t{n}-{round_}", "shared"])
                elif n == 3:
                    conversation_tag_add(conversation=conversation, name=f"t{n}-{round_}")
                else:
                    kind = Thread.Type.MESSAGE if round_ % 2 else Thread.Type.CUSTOMER
                    services.thread_create(
                        conversation=conversation,
                        thread=services.NewThread(type=kind, body=f"{n}/{round_}", user=writer if round_ % 2 else None),
                    )
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [], [str(e) for e in errors]
    incremental = _snapshot()
    call_command("reports_rebuild", verbosity=0)
    assert _snapshot() == incremental


@pytest.mark.django_db(transaction=True)
def test_a_tag_deleted_while_a_reply_refreshes_its_sums_leaves_none_of_them():
    """The refresh holds the conversation's figured row and has written tag sums, uncommitted, when the tag is
    deleted: the deletion waits for it and takes its sums too (it used to delete first and leave them)."""
    import threading
    import time

    from django.db import connection, transaction

    from conversations.models import Tag, Thread
    from tests.factories import ConversationFactory

    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers")
    conversation = ConversationFactory()
    conversation_tag_add(conversation=conversation, name="doomed")
    tag = Tag.objects.get(name="doomed")
    written, release = threading.Event(), threading.Event()
    errors = []

    def reply() -> None:
        try:
            with transaction.atomic():
                services.thread_create(
                    conversation=conversation, thread=services.NewThread(type=Thread.Type.CUSTOMER, body="More.")
                )
                written.set()
                release.wait(10)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            written.set()
            connection.close()

    def delete() -> None:
        try:
            written.wait(10)
            tag_delete(tag=tag)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=reply), threading.Thread(target=delete)]
    for thread in threads:
        thread.start()
    written.wait(10)
    time.sleep(0.5)  # the deletion reaches what it waits on
    release.set()
    for thread in threads:
        thread.join()
    assert errors == [], [str(e) for e in errors]
    assert not HourlyFigure.objects.filter(grain=Grain.TAG, tag_id=tag.pk).exists()
    incremental = _snapshot()
    call_command("reports_rebuild", verbosity=0)
    assert _snapshot() == incremental


def test_rebuild_derives_what_the_refresh_derives_from_any_timeline():
    """The rebuild's SQL (reports.rebuild) against ``facts_of`` (the refresh's Python) on random timelines:
    every thread type, state, status, direction, author and assignee, ties in time broken by id,
    microseconds, customer- and agent-started conversations, every channel, drafts, deleted and spam ones,
    tags."""
    import random

    from conversations.models import (
        Conversation,
        ConversationState,
        ConversationTag,
        ConversationType,
        SourceType,
        SourceVia,
        Status,
        Thread,
    )
    from reports.models import FiguredConversation
    from reports.services import figures_conversation_refresh
    from tests.factories import ConversationFactory, UserFactory

    rng = random.Random(17)
    agents = [UserFactory(), UserFactory()]
    tags = [services.tag_create(name=f"r{n}") for n in range(3)]
    base = utc("2026-10-24 22:00:00")
    conversations = []
    for _ in range(40):
        conversation = ConversationFactory()
        started = base + timedelta(seconds=rng.randrange(0, 5 * 86400), microseconds=rng.randrange(0, 10**6))
        agent_started = rng.random() < 0.3
        Conversation.objects.filter(pk=conversation.pk).update(
            created_at=started,
            created_by_user=rng.choice(agents) if agent_started else None,
            created_by_customer=None if agent_started else conversation.customer,
            state=rng.choices(ConversationState.values, weights=[1, 8, 1])[0],
            status=rng.choices(Status.values, weights=[3, 2, 3, 1])[0],
            type=rng.choice(ConversationType.values),
            source_type=rng.choice(SourceType.values),
            source_via=rng.choice(SourceVia.values),
        )
        Thread.objects.filter(conversation=conversation).delete()
        at = started
        threads = []
        for _ in range(rng.randrange(0, 9)):
            if rng.random() < 0.8:  # else the same instant as the previous thread
                at += timedelta(seconds=rng.randrange(0, 4000), microseconds=rng.randrange(0, 10**6))
            kind = rng.choice(Thread.Type.values)
            by_user = rng.random() < 0.5
            threads.append(
                Thread(
                    conversation=conversation,
                    type=kind,
                    action_type=Thread.Action.CHANGED_STATUS if kind == Thread.Type.LINEITEM else "",
                    state=rng.choices(Thread.State.values, weights=[1, 6, 1])[0],
                    status=rng.choices(Thread.Status.values, weights=[2, 1, 2, 0, 5])[0],
                    source_via=rng.choice(SourceVia.values),
                    created_by_user=rng.choice([*agents, None]) if by_user else None,
                    created_by_customer=None if by_user else conversation.customer,
                    assigned_to=rng.choice(agents) if rng.random() < 0.3 else None,
                    created_at=at,
                )
            )
        Thread.objects.bulk_create(threads)
        ConversationTag.objects.filter(conversation=conversation).delete()
        ConversationTag.objects.bulk_create(
            ConversationTag(conversation=conversation, tag=tag) for tag in rng.sample(tags, rng.randrange(0, 3))
        )
        conversations.append(conversation)
    for conversation in conversations:
        figures_conversation_refresh(conversation_id=conversation.pk)
    incremental = _snapshot()
    kinds = {fact[1] for fact in incremental[1]}
    assert kinds == set(range(1, 10)), kinds  # every kind of fact occurred
    assert {row[5] for row in incremental[0]} > {0}  # and tagged sums
    figured = dict(FiguredConversation.objects.values_list("conversation_id", "tag_ids"))
    assert len(figured) == len(conversations)
    call_command("reports_rebuild", verbosity=0)
    assert _snapshot() == incremental
    assert dict(FiguredConversation.objects.values_list("conversation_id", "tag_ids")) == figured


def test_a_create_stores_the_figures_the_general_refresh_would(mailbox, agent):
    """``figures_conversation_created`` (a create's figures, nothing read) against the general refresh and the
    rebuild: every status, state, type and first thread a create takes, imported timelines with replies."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from conversations.models import Conversation, Status, Thread
    from conversations.services import NewThread
    from mailboxes.services import mailbox_user_grant
    from reports.models import FiguredConversation
    from reports.services import figures_conversation_refresh
    from tests.factories import CustomerFactory

    mailbox_user_grant(mailbox=mailbox, user=agent)
    customer = CustomerFactory()
    started = utc("2026-10-24 22:10:00")

    def timeline(*kinds: str) -> list[NewThread]:
        return [
            NewThread(
                type=kind,
                body=f"#{n}",
                user=None if kind == "customer" else agent,
                created_at=started + timedelta(minutes=37 * n),
            )
            for n, kind in enumerate(kinds)
        ]

    def create(threads: list[NewThread], **options) -> Conversation:
        return services.conversation_create(mailbox=mailbox, subject="s", customer=customer, threads=threads, **options)

    imported = {"imported": True, "created_at": started, "closed_at": started + timedelta(hours=5)}
    created = [
        create(timeline(*kinds), status=status, **imported)
        for status in Status.values
        for kinds in (("customer",), ("message",), ("note",), ("customer", "note", "message", "customer", "message"))
    ]
    created.append(create(timeline("customer")))
    created += [create(timeline("customer", "message"), type=t, assignee=agent) for t in ("chat", "phone")]
    draft = NewThread(type="message", body="d", user=agent, state=Thread.State.DRAFT)
    created.append(create([draft], state=Conversation.State.DRAFT))
    incremental = _snapshot()
    figured = dict(FiguredConversation.objects.values_list("conversation_id", "tag_ids"))
    # The 4 spam conversations and the draft count for nothing.
    assert len(incremental[1]) > len(created) and len(figured) == len(created) - 5
    with CaptureQueriesContext(connection) as queries:
        for conversation in created:
            figures_conversation_refresh(conversation_id=conversation.pk)
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []  # the general path found every conversation's figures up to date
    call_command("reports_rebuild", verbosity=0)
    assert _snapshot() == incremental
    # The rebuild also records the tags of conversations that count for nothing; the refresh does not.
    assert figured.items() <= dict(FiguredConversation.objects.values_list("conversation_id", "tag_ids")).items()
