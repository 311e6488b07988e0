"""Presence: the heartbeat, the preset and the sweep (presence.services), read back through
presence.selectors with explicit clocks."""

import datetime
import itertools
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from helpdesk.models import User
from helpdesk.services import user_update
from mailboxes.services import mailbox_user_grant
from presence.models import AgentPresence, PresenceInterval
from presence.selectors import (
    PresenceState,
    mailbox_online_status,
    online_intervals,
    online_seconds,
    online_status_of,
    presence_state_of,
    preset_status_of,
)
from presence.services import presence_heartbeat, presence_preset_set, presence_sweep, preset_status_clean
from presence.tasks import sweep
from tests.factories import AdminFactory, MailboxFactory, UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def at(seconds: float) -> datetime.datetime:
    return T0 + datetime.timedelta(seconds=seconds)


@pytest.fixture(autouse=True)
def _timing(settings):
    settings.HELPDESK_PRESENCE_HEARTBEAT_SECONDS = 30
    settings.HELPDESK_PRESENCE_IDLE_SECONDS = 180


def spans(user: User) -> list[tuple[str, datetime.datetime, datetime.datetime | None]]:
    return list(
        PresenceInterval.objects.filter(user=user)
        .order_by("started_at")
        .values_list("letters", "started_at", "ended_at")
    )


def test_online_then_idle_then_offline(agent):
    assert presence_state_of(user=agent, now=at(0)) is PresenceState.OFFLINE
    assert online_status_of(users=[agent], now=at(0)) == {agent.pk: "F"}

    presence_heartbeat(user=agent, now=at(0))
    presence_heartbeat(user=agent, now=at(20))
    assert presence_state_of(user=agent, now=at(60)) is PresenceState.ONLINE
    assert online_status_of(users=[agent], now=at(60)) == {agent.pk: "M"}
    # Two heartbeat periods of silence: idle, still offering its letters.
    assert presence_state_of(user=agent, now=at(81)) is PresenceState.IDLE
    assert online_status_of(users=[agent], now=at(200)) == {agent.pk: "M"}
    # Past the idle time: offline, on read, before any sweep ran.
    assert presence_state_of(user=agent, now=at(201)) is PresenceState.OFFLINE
    assert online_status_of(users=[agent], now=at(201)) == {agent.pk: "F"}
    assert spans(agent) == [("M", at(0), None)]
    # The interval ends at the last heartbeat for every reader, before and after the sweep.
    before = online_intervals(user_ids=[agent.pk], start=at(-60), end=at(600), now=at(201))
    assert [(i.start, i.end, i.open) for i in before] == [(at(0), at(20), False)]
    assert presence_sweep(now=at(201)) == 1
    assert spans(agent) == [("M", at(0), at(20))]
    assert online_intervals(user_ids=[agent.pk], start=at(-60), end=at(600), now=at(201)) == before
    assert presence_sweep(now=at(210)) == 0


def test_a_heartbeat_after_the_idle_time_starts_a_new_interval_without_a_sweep(agent):
    presence_heartbeat(user=agent, now=at(0))
    presence_heartbeat(user=agent, now=at(100))
    presence_heartbeat(user=agent, now=at(1000))
    presence_heartbeat(user=agent, now=at(1020))
    assert spans(agent) == [("M", at(0), at(100)), ("M", at(1000), None)]
    assert online_seconds(user_ids=[agent.pk], start=at(0), end=at(2000)) == {agent.pk: 120}
    open_now = online_intervals(user_ids=[agent.pk], start=at(0), end=at(2000), now=at(1030))
    assert [(i.start, i.end, i.open) for i in open_now] == [(at(0), at(100), False), (at(1000), at(1020), True)]


def test_an_online_heartbeat_reads_and_writes_only_every_half_period(agent, django_assert_num_queries):
    presence_heartbeat(user=agent, now=at(0))
    with django_assert_num_queries(1):
        presence_heartbeat(user=agent, now=at(10))
    assert AgentPresence.objects.get(user=agent).last_seen_at == at(0)
    with django_assert_num_queries(2):
        presence_heartbeat(user=agent, now=at(15))
    assert AgentPresence.objects.get(user=agent).last_seen_at == at(15)


def test_preset_letters_are_kept_in_order_and_checked(agent):
    assert preset_status_of(users=[agent]) == {agent.pk: "M"}
    assert preset_status_clean("tmr") == "MRT"
    assert preset_status_clean(" f ") == "F"
    for wrong in ("", "X", "MM", "MF", "M P"):
        with pytest.raises(ValidationError) as error:
            presence_preset_set(user=agent, preset_status=wrong, now=at(0))
        assert list(error.value.message_dict) == ["preset_status"]
    assert not PresenceInterval.objects.exists()


def test_changing_the_preset_while_online_splits_the_interval(agent):
    presence_heartbeat(user=agent, now=at(0))
    presence_preset_set(user=agent, preset_status="TMP", now=at(50))
    assert online_status_of(users=[agent], now=at(60)) == {agent.pk: "MPT"}
    presence_preset_set(user=agent, preset_status="F", now=at(100))
    presence_heartbeat(user=agent, now=at(110))
    assert online_status_of(users=[agent], now=at(120)) == {agent.pk: "F"}
    assert preset_status_of(users=[agent]) == {agent.pk: "F"}
    presence_preset_set(user=agent, preset_status="R", now=at(200))
    assert spans(agent) == [("M", at(0), at(50)), ("MPT", at(50), at(100)), ("R", at(200), None)]
    # Setting the same letters again keeps the interval.
    presence_preset_set(user=agent, preset_status="R", now=at(210))
    assert len(spans(agent)) == 3
    assert online_seconds(user_ids=[agent.pk], start=at(0), end=at(1000), letter="T") == {agent.pk: 50}
    assert online_seconds(user_ids=[agent.pk], start=at(0), end=at(1000)) == {agent.pk: 110}


def test_intervals_are_clipped_to_the_range_and_seconds_are_their_sum(agent, admin):
    other = UserFactory()
    presence_heartbeat(user=agent, now=at(0))
    presence_heartbeat(user=agent, now=at(3600))  # past the idle time: two intervals of no length
    presence_heartbeat(user=admin, now=at(0))
    for second in range(0, 3601, 60):
        presence_heartbeat(user=admin, now=at(second))
    intervals = online_intervals(user_ids=[agent.pk, admin.pk, other.pk], start=at(600), end=at(1800), now=at(3600))
    assert [(i.user_id, i.start, i.end) for i in intervals] == [(admin.pk, at(600), at(1800))]
    assert intervals[0].seconds == 1200
    seconds = online_seconds(user_ids=[agent.pk, admin.pk, other.pk], start=at(600), end=at(1800))
    assert seconds == {agent.pk: 0, admin.pk: 1200, other.pk: 0}
    whole = online_intervals(user_ids=None, start=at(-1), end=at(7200), now=at(3600))
    by_user: dict[int, float] = {}
    for interval in whole:
        by_user[interval.user_id] = by_user.get(interval.user_id, 0) + interval.seconds
    assert online_seconds(user_ids=None, start=at(-1), end=at(7200)) == {agent.pk: 0, admin.pk: 3600}
    assert by_user == {agent.pk: 0, admin.pk: 3600}


def test_inactive_agents_are_offline(agent):
    presence_heartbeat(user=agent, now=at(0))
    user_update(user=agent, status=User.Status.DISABLED)
    assert online_status_of(users=[agent.pk], now=at(10)) == {agent.pk: "F"}
    agent.refresh_from_db()
    presence_heartbeat(user=agent, now=at(20))
    assert AgentPresence.objects.get(user=agent).last_seen_at == at(0)


def test_a_mailbox_shows_the_union_of_its_online_agents(agent, mailbox):
    admin = AdminFactory()
    elsewhere = MailboxFactory()
    colleague = UserFactory()
    mailbox_user_grant(mailbox=mailbox, user=agent)
    mailbox_user_grant(mailbox=elsewhere, user=colleague)
    ids = [mailbox.pk, elsewhere.pk]
    assert mailbox_online_status(mailbox_ids=ids, now=at(0)) == {mailbox.pk: "", elsewhere.pk: ""}
    presence_preset_set(user=agent, preset_status="TM", now=at(0))
    presence_preset_set(user=colleague, preset_status="P", now=at(0))
    assert mailbox_online_status(mailbox_ids=ids, now=at(1)) == {mailbox.pk: "MT", elsewhere.pk: "P"}
    presence_preset_set(user=admin, preset_status="R", now=at(2))
    assert mailbox_online_status(mailbox_ids=ids, now=at(3)) == {mailbox.pk: "MRT", elsewhere.pk: "PR"}
    assert mailbox_online_status(mailbox_ids=ids, now=at(500)) == {mailbox.pk: "", elsewhere.pk: ""}


def test_the_beat_task_closes_the_intervals_of_idle_agents(agent, admin):
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    presence_heartbeat(user=agent, now=long_ago)
    presence_heartbeat(user=admin, now=timezone.now())
    assert sweep() == 1
    assert spans(agent) == [("M", long_ago, long_ago)]
    assert [ended for _, _, ended in spans(admin)] == [None]


@pytest.mark.django_db(transaction=True)
def test_concurrent_heartbeats_and_presets_keep_one_open_interval(agent):
    """Four tabs of one agent beat and change the preset at once, in rounds: no error, one open interval at
    most, and the intervals never overlap."""
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def tab(offset: int) -> None:
        try:
            for round_ in range(8):
                start.wait(timeout=30)
                now = at(round_ * 400)  # past the idle time: every round opens an interval anew
                if offset == 3 and round_ % 2:
                    presence_preset_set(user=agent, preset_status="MT" if round_ % 4 == 1 else "M", now=now)
                else:
                    presence_heartbeat(user=agent, now=now)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    tabs = [threading.Thread(target=tab, args=(offset,)) for offset in range(4)]
    for thread in tabs:
        thread.start()
    for thread in tabs:
        thread.join(timeout=60)
    assert not errors, errors
    intervals = spans(agent)
    assert [ended for _, _, ended in intervals].count(None) == 1
    for (_, _, ended), (_, started, _) in itertools.pairwise(intervals):
        assert ended is not None and ended <= started
