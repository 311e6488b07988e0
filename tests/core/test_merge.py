"""Merging two conversations (issue 19, item 6; ``conversation_merge``) and changing a conversation's customer
(``conversation_customer_change``): what moves, what the survivor shows, where the absorbed conversation's
id, number and mail lead, the events, and the figures (reports, tally) a rebuild or a count would give."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from conversations import services
from conversations.mail.compose import reply_token
from conversations.mail.ingest import mail_ingest
from conversations.models import (
    Conversation,
    ConversationStar,
    CustomFieldValue,
    Thread,
    Timelog,
)
from conversations.pages import line_item_text, page_context
from customers.models import Customer
from helpdesk.errors import Conflict, Invalid
from mailboxes.models import Folder
from mailboxes.services import mailbox_user_grant
from tests.core.test_conversation_tally import counted, tallied
from tests.factories import (
    ConversationFactory,
    CustomerFactory,
    CustomFieldFactory,
    MailboxFactory,
    UserFactory,
    WebhookFactory,
)
from tests.reports_story import clock, tell, utc
from webhooks.models import Event, WebhookEvent

pytestmark = pytest.mark.django_db

T0 = utc("2026-11-02 09:00:00")


def at(minutes: int):
    return T0 + timedelta(minutes=minutes)


def reply(conversation, body: str, user=None, **kwargs) -> Thread:
    kind = Thread.Type.CUSTOMER if user is None else kwargs.pop("type", Thread.Type.MESSAGE)
    return services.thread_create(
        conversation=conversation, thread=services.NewThread(type=kind, body=body, user=user, **kwargs)
    )


@pytest.fixture
def desk(monkeypatch, admin, mailbox):
    """Two conversations of one customer in Support, written in turns; Alan the agent has access."""
    alan = UserFactory(email="alan@example.com", first_name="Alan", last_name="Agent")
    mailbox_user_grant(mailbox=mailbox, user=alan)
    cy = CustomerFactory(first_name="Cy", last_name="Customer", emails=[("cy@example.org", "work")])
    with clock(monkeypatch, at(0)):
        kept = ConversationFactory(mailbox=mailbox, customer=cy, subject="Printer smokes")
    with clock(monkeypatch, at(10)):
        gone = ConversationFactory(mailbox=mailbox, customer=cy, subject="Printer still smokes")
    with clock(monkeypatch, at(20)):
        reply(kept, "<p>Unplug it.</p>", user=alan)
    with clock(monkeypatch, at(30)):
        reply(gone, "<p>It is unplugged and it smokes.</p>")
    return {"alan": alan, "cy": cy, "kept": kept, "gone": gone, "mailbox": mailbox, "admin": admin}


def merge(desk, monkeypatch, minutes: int = 40, **kwargs):
    with clock(monkeypatch, at(minutes)):
        return services.conversation_merge(
            survivor=kwargs.get("survivor", desk["kept"]),
            absorbed=kwargs.get("absorbed", desk["gone"]),
            by_user=kwargs.get("by_user", desk["alan"]),
        )


def timeline(conversation: Conversation) -> list[tuple]:
    return [
        (t.type, t.body or t.action_type, t.created_at)
        for t in Thread.objects.filter(conversation=conversation).order_by("created_at", "id")
    ]


def texts(conversation: Conversation) -> list[str]:
    context = page_context([Conversation.objects.values().get(pk=conversation.pk)], embed=frozenset({"threads"}))
    return [line_item_text(t, context) for t in context.threads[conversation.pk] if t["type"] == "lineitem"]


def test_merge_moves_the_threads_in_time_order_and_recomputes_the_survivor(desk, monkeypatch):
    WebhookFactory(events=list(Event.values))
    survivor = merge(desk, monkeypatch)
    kept, gone = Conversation.objects.get(pk=desk["kept"].pk), Conversation.objects.get(pk=desk["gone"].pk)
    assert survivor.pk == kept.pk
    assert timeline(kept) == [
        ("customer", "Hello, I need help.", at(0)),
        ("customer", "Hello, I need help.", at(10)),
        ("message", "<p>Unplug it.</p>", at(20)),
        ("customer", "<p>It is unplugged and it smokes.</p>", at(30)),
        ("lineitem", "merged", at(40)),
    ]
    assert texts(kept) == [f"Alan Agent merged #{gone.number} into this conversation"]
    # Derived from every thread it now holds.
    assert (kept.threads_count, kept.preview) == (4, "It is unplugged and it smokes.")
    assert (kept.last_reply_at, kept.last_reply_from) == (at(30), "customer")
    assert (kept.status, kept.state, kept.updated_at, kept.user_updated_at) == ("active", "published", at(40), at(40))
    assert list(kept.threads.filter(first=True).values_list("created_at", flat=True)) == [at(0)]
    # The absorbed one: in Deleted, one line item naming the survivor, pointing at it.
    assert (gone.state, gone.folder.type, gone.merged_into_id) == ("deleted", Folder.Type.DELETED, kept.pk)
    assert (gone.threads_count, gone.preview) == (0, "")
    assert timeline(gone) == [("lineitem", "merged", at(40))]
    assert texts(gone) == [f"Alan Agent merged this conversation into #{kept.number}"]
    # One event: the absorbed one's convo.deleted (FreeScout's module has no merge event for the survivor).
    [event] = WebhookEvent.objects.all()
    assert event.name == "convo.deleted"
    assert event.payload.startswith(f'{{"id":{gone.pk},'.encode())


def test_tags_fields_stars_and_timelogs_move_without_duplicates(desk, monkeypatch):
    kept, gone, alan, admin = desk["kept"], desk["gone"], desk["alan"], desk["admin"]
    colour, size = CustomFieldFactory(mailbox=desk["mailbox"]), CustomFieldFactory(mailbox=desk["mailbox"])
    services.conversation_tags_set(conversation=kept, names=["printer", "urgent"])
    services.conversation_tags_set(conversation=gone, names=["urgent", "smoke"])
    services.conversation_custom_fields_set(conversation=kept, values={colour.pk: "red"})
    services.conversation_custom_fields_set(conversation=gone, values={colour.pk: "blue", size.pk: "XL"})
    services.conversation_star(conversation=kept, user=alan)
    services.conversation_star(conversation=gone, user=alan)
    services.conversation_star(conversation=gone, user=admin)
    services.timelog_start(conversation=kept, user=alan)
    services.timelog_start(conversation=gone, user=alan)
    services.timelog_record(conversation=gone, user=admin, seconds=60)
    merge(desk, monkeypatch)
    assert sorted(kept.tags.values_list("name", flat=True)) == ["printer", "smoke", "urgent"]
    assert not gone.tags.exists()
    values = CustomFieldValue.objects.filter(conversation=kept).values_list("field_id", "value")
    assert sorted(values) == sorted([(colour.pk, "red"), (size.pk, "XL")])  # the survivor's own value wins
    assert list(CustomFieldValue.objects.filter(conversation=gone).values_list("value", flat=True)) == ["blue"]
    assert sorted(ConversationStar.objects.filter(conversation=kept).values_list("user_id", flat=True)) == sorted(
        [alan.pk, admin.pk]
    )
    assert not ConversationStar.objects.filter(conversation=gone).exists()
    # Both of Alan's timers are on the survivor now, the absorbed one's finished (one open timer per agent).
    timelogs = Timelog.objects.filter(conversation=kept)
    assert timelogs.count() == 3
    assert timelogs.filter(user=alan, finished=False).count() == 1


def test_merging_a_merged_conversation_follows_the_chain_and_flattens_it(desk, monkeypatch):
    kept, gone = desk["kept"], desk["gone"]
    third = ConversationFactory(mailbox=desk["mailbox"], customer=desk["cy"], subject="Third")
    merge(desk, monkeypatch)
    # ``gone`` stands for ``kept`` now: kept goes into third, and gone's pointer follows.
    survivor = merge(desk, monkeypatch, minutes=50, survivor=third, absorbed=gone)
    assert survivor == third
    assert Conversation.objects.get(pk=kept.pk).merged_into_id == third.pk
    assert Conversation.objects.get(pk=gone.pk).merged_into_id == third.pk
    assert third.threads.filter(type="customer").count() == 4
    # Merging into an absorbed one merges into where it lives on.
    fourth = ConversationFactory(mailbox=desk["mailbox"], customer=desk["cy"], subject="Fourth")
    assert merge(desk, monkeypatch, minutes=60, survivor=kept, absorbed=fourth) == third
    assert set(Conversation.objects.filter(merged_into=third).values_list("pk", flat=True)) == {
        kept.pk,
        gone.pk,
        fourth.pk,
    }
    # Two that are one already: nothing happens, no cycle.
    before = Thread.objects.count()
    assert merge(desk, monkeypatch, minutes=70, survivor=gone, absorbed=third) == third
    assert Thread.objects.count() == before
    assert Conversation.objects.get(pk=third.pk).merged_into_id is None


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("itself", "absorbed"),
        ("other mailbox", "absorbed"),
        ("survivor deleted", "survivor"),
        ("draft", "absorbed"),
        ("no access", "by_user"),
    ],
)
def test_refused_merges_write_nothing(desk, monkeypatch, case, field):
    kept, gone, by_user = desk["kept"], desk["gone"], desk["alan"]
    if case == "itself":
        gone = kept
    elif case == "other mailbox":
        gone = ConversationFactory(mailbox=MailboxFactory(), customer=desk["cy"])
    elif case == "survivor deleted":
        services.conversation_delete(conversation=kept, by_user=by_user)
    elif case == "draft":
        gone = ConversationFactory(mailbox=desk["mailbox"], customer=desk["cy"], state="draft")
    elif case == "no access":
        by_user = UserFactory()
    threads = Thread.objects.count()
    with pytest.raises(Invalid) as refused:
        merge(desk, monkeypatch, survivor=kept, absorbed=gone, by_user=by_user)
    assert field in refused.value.message_dict
    assert Thread.objects.count() == threads
    assert not Conversation.objects.filter(merged_into__isnull=False).exists()


def test_nothing_more_is_written_to_an_absorbed_conversation(desk, monkeypatch):
    gone = desk["gone"]  # the caller's copy, from before the merge
    merge(desk, monkeypatch)
    with pytest.raises(Conflict):
        reply(gone, "<p>Late reply</p>")
    with pytest.raises(Conflict):
        services.conversation_restore(conversation=gone, by_user=desk["alan"])
    assert Conversation.objects.get(pk=gone.pk).state == "deleted"


def test_mail_answering_the_absorbed_conversation_threads_into_the_survivor(desk, monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    kept, gone = desk["kept"], desk["gone"]
    # An agent's emailed reply on the absorbed conversation, before the merge: its Message-ID and token.
    sent = reply(gone, "<p>We will call you.</p>", user=desk["alan"])
    sent.refresh_from_db()
    merge(desk, monkeypatch)

    def answer(message_id: str, **headers: str) -> Thread:
        lines = [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
        raw = "\r\n".join(
            ["From: Cy <cy@example.org>", "To: support@example.com", f"Message-ID: <{message_id}>", *lines, ""]
        )
        received = mail_ingest(mailbox=desk["mailbox"], raw=f"{raw}\r\nThanks!\r\n".encode())
        assert received.outcome == "threaded"
        return received.thread

    by_header = answer("a1@example.org", Subject="Re: Printer", In_Reply_To=f"<{sent.message_id}>")
    by_token = answer("a2@example.org", Subject=f"Re: Printer [{reply_token(gone.number)}]")
    for thread in (by_header, by_token):
        assert thread.conversation_id == kept.pk
    assert Conversation.objects.get(pk=gone.pk).state == "deleted"  # not reopened by the answers
    assert Conversation.objects.count() == 2


def test_reports_and_tally_after_a_merge_are_what_a_rebuild_and_a_count_give(monkeypatch):
    from tests.core.test_reports import _snapshot

    story = tell(monkeypatch)
    before = _snapshot()
    with clock(monkeypatch, utc("2026-11-02 09:00:00")):
        services.conversation_merge(survivor=story.c1, absorbed=story.c3, by_user=story.ana)
    incremental = _snapshot()
    assert incremental != before
    call_command("reports_rebuild", verbosity=0)
    assert _snapshot() == incremental
    if connection.vendor == "postgresql":
        assert tallied() == counted()


@pytest.mark.django_db(transaction=True)
def test_concurrent_merges_either_way_round_leave_one_conversation():
    """Two agents merge the same pair at once, each keeping their own, while the customer writes: the locks
    queue them (no deadlock), one merge wins, the other finds the two are one already. PostgreSQL only
    (SQLite writes one at a time)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers")
    from tests.core.test_reports import _snapshot

    mailbox = MailboxFactory()
    agents = [UserFactory(role="admin") for _ in range(2)]
    errors: list[Exception] = []
    for round_ in range(3):  # a fresh pair each round: the race goes a different way each time
        first, second = ConversationFactory(mailbox=mailbox), ConversationFactory(mailbox=mailbox)
        barrier = threading.Barrier(3)

        def work(n: int, barrier=barrier, first=first, second=second, round_=round_) -> None:
            try:
                barrier.wait()
                if n < 2:
                    pair = (first, second) if n == 0 else (second, first)
                    services.conversation_merge(survivor=pair[0], absorbed=pair[1], by_user=agents[n])
                else:
                    reply(first, f"<p>Round {round_}</p>")
            except Conflict:
                pass  # the reply's stale copy of a conversation merged meanwhile: refused, nothing written
            except Exception as error:  # reported below
                errors.append(error)
            finally:
                connection.close()

        workers = [threading.Thread(target=work, args=(n,)) for n in range(3)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert errors == [], [str(e) for e in errors]
        rows = list(Conversation.objects.filter(pk__in=[first.pk, second.pk]))
        [survivor] = [c for c in rows if c.merged_into_id is None]
        [absorbed] = [c for c in rows if c.merged_into_id == survivor.pk]
        assert (survivor.state, absorbed.state) == ("published", "deleted")
        messages = Thread.objects.filter(conversation=survivor, type="customer")
        assert survivor.threads_count == messages.count() >= 2
        assert not Thread.objects.filter(conversation=absorbed).exclude(type="lineitem").exists()
    incremental = _snapshot()
    call_command("reports_rebuild", verbosity=0)
    assert _snapshot() == incremental
    assert tallied() == counted()


def test_changing_the_customer_by_email_creates_them_and_records_a_line_item(desk):
    WebhookFactory(events=list(Event.values))
    kept = desk["kept"]
    services.conversation_customer_change(
        conversation=kept, by_user=desk["alan"], email="Dee@Example.org", first_name="Dee"
    )
    kept.refresh_from_db()
    dee = Customer.objects.get(first_name="Dee")
    assert (kept.customer, kept.customer_email) == (dee, "dee@example.org")
    assert texts(kept) == ["Alan Agent changed the customer to Dee"]
    # customer.created for the new customer; no conversation event (FreeScout's module has none for this).
    assert list(WebhookEvent.objects.values_list("name", flat=True)) == ["customer.created"]
    # A known address finds its customer; an existing customer is taken as given.
    services.conversation_customer_change(conversation=kept, by_user=desk["alan"], email="cy@example.org")
    kept.refresh_from_db()
    assert kept.customer == desk["cy"]
    assert Customer.objects.count() == 2
    with pytest.raises(Invalid) as refused:
        services.conversation_customer_change(conversation=kept, by_user=desk["alan"], email=" ")
    assert "email" in refused.value.message_dict


def test_a_reply_waiting_out_its_undo_window_goes_out_in_the_survivor(
    desk, monkeypatch, django_capture_on_commit_callbacks
):
    from conversations.models import DelayedReply
    from conversations.services.delayed_replies import delayed_reply_create, delayed_reply_publish_claimed
    from helpdesk.outbox import outbox_claim

    gone = desk["gone"]
    with django_capture_on_commit_callbacks(execute=False):
        waiting = delayed_reply_create(
            conversation=gone,
            thread=services.NewThread(type=Thread.Type.MESSAGE, body="<p>On its way</p>", user=desk["alan"]),
            status=None,
            draft=None,
            undo_seconds=10,
        )
    merge(desk, monkeypatch)
    assert DelayedReply.objects.get(pk=waiting.pk).conversation_id == desk["kept"].pk
    DelayedReply.objects.filter(pk=waiting.pk).update(next_attempt_at=at(0))
    claimed = outbox_claim(DelayedReply.objects.all(), waiting.pk)
    assert claimed is not None
    thread = delayed_reply_publish_claimed(claimed)
    assert thread is not None and thread.conversation_id == desk["kept"].pk
