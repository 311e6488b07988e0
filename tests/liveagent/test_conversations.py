"""#9 list, #10 show, #6 delete, #13 status and #5 attendants of the LiveAgent API v1 (reference §4.3): the
seed's fields and typing in JSON, XML and YAML, every filter, the status and channel codes both ways, the
permission matrix, and writes going through the services (line items, notes, webhook events)."""

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conversations.models import Conversation, Thread
from conversations.services import (
    NewThread,
    conversation_assign,
    conversation_change_status,
    conversation_create,
    conversation_custom_field_values_add,
    conversation_delete,
    thread_create,
)
from conversations.services.labels import conversation_tag_add, tag_create
from customers.services import customer_create
from helpdesk.models import User
from helpdesk.services import api_key_create, api_key_revoke
from liveagent.ids import Kind, id_encode
from mailboxes.services import custom_field_create, mailbox_user_grant
from tests.api_helpers import client_for
from tests.factories import CustomerFactory, MailboxFactory, UserFactory
from tests.liveagent.helpers import assert_error, envelope
from webhooks.models import WebhookDelivery, WebhookEvent

pytestmark = pytest.mark.django_db

API = "/liveagent/api"
FORM = "application/x-www-form-urlencoded"
START = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)


def cid(conversation: Conversation) -> str:
    return id_encode(Kind.CONVERSATION, conversation.pk)


def events() -> list[str]:
    return list(WebhookEvent.objects.order_by("created_at", "id").values_list("name", flat=True))


def put(la, path: str, data: str):
    return la.put(f"{API}/{path}", data, content_type=FORM)


def delete(la, path: str, data: str):
    return la.delete(f"{API}/{path}", data, content_type=FORM)


def listed(la, key: str, **params) -> list[str]:
    """The conversationids #9 answers for these parameters."""
    response = la.get(f"{API}/conversations", {"apikey": key, **params})
    assert response.status_code == 200, response.content
    return [row["conversationid"] for row in response.json()["response"]["conversations"]]


def reread(conversation: Conversation) -> Conversation:
    return Conversation.objects.get(pk=conversation.pk)


def make(mailbox, *, at: datetime = START, subject: str = "Printer on fire", customer=None, **kwargs) -> Conversation:
    """A conversation with one customer message, created (and last changed) at ``at``."""
    return conversation_create(
        mailbox=mailbox,
        subject=subject,
        customer=customer or CustomerFactory(),
        threads=[NewThread(type=Thread.Type.CUSTOMER, body="<p>It burns</p>", created_at=at)],
        imported=True,
        created_at=at,
        **kwargs,
    )


@pytest.fixture
def jane():
    return customer_create(
        first_name="Jane",
        last_name="Doe",
        emails=[("jane@customer.example", "work"), ("jane.doe@home.example", "home")],
        notes="Prefers email",
    )


@pytest.fixture
def answered(mailbox, agent, jane, keys):
    """Jane's conversation: her message, the agent's reply (Answered), two tags, two custom field values."""
    conversation = make(mailbox, customer=jane)
    thread_create(
        conversation=conversation, thread=NewThread(type=Thread.Type.MESSAGE, body="<p>Use water</p>", user=agent)
    )
    thread_create(conversation=conversation, thread=NewThread(type=Thread.Type.NOTE, body="Internal", user=agent))
    thread_create(conversation=conversation, thread=NewThread(type=Thread.Type.CUSTOMER, body="<p>Did not work</p>"))
    thread_create(
        conversation=conversation, thread=NewThread(type=Thread.Type.MESSAGE, body="<p>Call us</p>", user=agent)
    )
    custom_field_create(mailbox=mailbox, name="Variable symbol", type="singleline", code="varsymbol")
    custom_field_create(mailbox=mailbox, name="Other", type="singleline", code="other_var")
    conversation_custom_field_values_add(
        conversation=conversation, values=[("other_var", "First"), ("varsymbol", "423874698"), ("other_var", "Again")]
    )
    urgent, vip = tag_create(name="Urgent", keep_case=True), tag_create(name="VIP", keep_case=True)
    conversation_tag_add(conversation=conversation, tag=vip)
    conversation_tag_add(conversation=conversation, tag=urgent)
    conversation_assign(conversation=conversation, assignee=agent, by_user=agent)
    conversation = reread(conversation)
    conversation.tag_ids = [id_encode(Kind.TAG, vip.pk), id_encode(Kind.TAG, urgent.pk)]
    return conversation


def head(conversation: Conversation, status: str) -> dict:
    conversation.refresh_from_db()
    created = conversation.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    changed = conversation.updated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    customer = conversation.customer
    return {
        "conversationid": cid(conversation),
        "code": conversation.code,
        "datecreated": created,
        "datechanged": changed,
        "datedue": None,
        "departmentname": conversation.mailbox.name,
        "departmentid": id_encode(Kind.DEPARTMENT, conversation.mailbox_id),
        "status": status,
        "ownername": customer.get_full_name(),
        "owneremail": customer.emails.order_by("id").first().email,
        "subject": conversation.subject,
    }


# --- #9 -------------------------------------------------------------------------------------------------


def test_list_as_the_seed_shows_it_newest_first(la, keys, mailbox, answered):
    new = make(mailbox, at=START + timedelta(hours=1), subject="Second")
    response = la.get(f"{API}/conversations?&apikey={keys[0]}")
    assert response.status_code == 200
    assert response.json() == {
        "response": {
            "conversations": [
                {
                    **head(new, "N"),
                    "preview": "It burns",
                    "publicurlcode": new.public_url_code,
                    "tags": "",
                    "channel_type": "E",
                    "messagegroupsin": "1",
                    "messagegroupsout": "0",
                },
                {
                    **head(answered, "A"),
                    "preview": "Call us",
                    "publicurlcode": answered.public_url_code,
                    "tags": ",".join(answered.tag_ids),
                    "channel_type": "E",
                    "messagegroupsin": "2",
                    "messagegroupsout": "2",
                },
            ]
        }
    }
    assert head(answered, "A")["datecreated"] == "2024-05-01 10:00:00"


def test_list_in_xml_and_yaml(la, keys, answered):
    root = ET.fromstring(la.get(f"{API}/conversations.xml", {"apikey": keys[0]}).content)
    items = root.findall("conversations/conversation")
    assert len(items) == 1
    fields = {child.tag: child.text for child in items[0]}
    assert list(fields)[:5] == ["conversationid", "code", "datecreated", "datechanged", "datedue"]
    assert fields["datedue"] is None and fields["tags"] == ",".join(answered.tag_ids)
    assert fields["messagegroupsout"] == "2"
    body = envelope(la.get(f"{API}/conversations.yaml", {"apikey": keys[0]}))
    assert body["conversations"][0]["conversationid"] == cid(answered)
    assert body["conversations"][0]["messagegroupsin"] == "2"


def test_list_runs_the_same_queries_whatever_the_page(la, keys, mailbox, agent, django_assert_num_queries):
    tag = tag_create(name="Billing")

    def add(count: int) -> None:
        for _ in range(count):
            conversation = make(mailbox, customer=CustomerFactory())
            conversation_tag_add(conversation=conversation, tag=tag)
            conversation_assign(conversation=conversation, assignee=agent, by_user=agent)

    add(2)
    listed(la, keys[1])  # the key records its first use; later requests within a minute do not
    # The request's savepoint and its release, the key, the page (mailbox, customer, first email and
    # message counts joined or counted per row), the tags.
    with django_assert_num_queries(5):
        assert len(listed(la, keys[1])) == 2
    add(5)
    with django_assert_num_queries(5):
        assert len(listed(la, keys[1])) == 7


def test_a_regular_key_lists_its_mailboxes_only(la, keys, mailbox):
    mine = make(mailbox)
    other = make(MailboxFactory())
    assert listed(la, keys[0]) == [cid(other), cid(mine)]
    assert listed(la, keys[1]) == [cid(mine)]


def test_list_needs_a_usable_key(la, admin):
    assert_error(la.get(f"{API}/conversations"), 401)
    assert_error(la.get(f"{API}/conversations.xml", {"apikey": "nope"}), 401, "xml")
    row, key = api_key_create(user=admin)
    api_key_revoke(api_key=row)
    assert_error(la.get(f"{API}/conversations", {"apikey": key}), 400)


def test_limit_and_offset(la, keys, mailbox):
    made = [make(mailbox, at=START + timedelta(minutes=n)) for n in range(5)]
    newest_first = [cid(c) for c in reversed(made)]
    assert listed(la, keys[0]) == newest_first
    assert listed(la, keys[0], limit="2") == newest_first[:2]
    assert listed(la, keys[0], limit="2", offset="3") == newest_first[3:]
    assert listed(la, keys[0], limit="5000") == newest_first  # clamped to 1000
    assert listed(la, keys[0], offset="9") == []
    for bad in [{"limit": "-1"}, {"limit": "ten"}, {"offset": "1.5"}]:
        body = assert_error(la.get(f"{API}/conversations", {"apikey": keys[0], **bad}), 400)
        assert body["debugmessage"] == next(iter(bad))


def test_filter_by_owner_email_or_contactid(la, keys, mailbox, jane):
    hers = make(mailbox, customer=jane)
    make(mailbox)
    for identifier in ["jane@customer.example", "JANE.DOE@home.example", id_encode(Kind.CUSTOMER_CONTACT, jane.pk)]:
        assert listed(la, keys[1], owneridentifier=identifier) == [cid(hers)]
    for unknown in ["nobody@example.com", id_encode(Kind.CUSTOMER_CONTACT, 999_999)]:
        assert_error(la.get(f"{API}/conversations", {"apikey": keys[1], "owneridentifier": unknown}), 404)
    # A customer with conversations only in mailboxes the key cannot see is unknown to it.
    elsewhere = make(MailboxFactory(), customer=CustomerFactory())
    email = elsewhere.customer.emails.first().email
    assert listed(la, keys[0], owneridentifier=email) == [cid(elsewhere)]
    assert_error(la.get(f"{API}/conversations", {"apikey": keys[1], "owneridentifier": email}), 404)


def test_filter_by_department(la, keys, mailbox):
    billing = MailboxFactory(name="Billing")
    here, there = make(mailbox), make(billing)
    assert listed(la, keys[0], department=id_encode(Kind.DEPARTMENT, billing.pk)) == [cid(there)]
    assert listed(la, keys[1], department=id_encode(Kind.DEPARTMENT, mailbox.pk)) == [cid(here)]
    hidden = {"apikey": keys[1], "department": id_encode(Kind.DEPARTMENT, billing.pk)}
    assert_error(la.get(f"{API}/conversations", hidden), 404)
    assert_error(la.get(f"{API}/conversations", {"apikey": keys[0], "department": "nope"}), 404)


def test_filter_by_assigned_agent(la, keys, mailbox, agent):
    assigned = make(mailbox)
    conversation_assign(conversation=assigned, assignee=agent, by_user=None)
    make(mailbox)
    assert listed(la, keys[0], agent="AGENT@example.com") == [cid(assigned)]
    assert listed(la, keys[0], agent=id_encode(Kind.AGENT_USER, agent.pk)) == [cid(assigned)]
    assert listed(la, keys[0], agent="admin@example.com") == []
    assert_error(la.get(f"{API}/conversations", {"apikey": keys[0], "agent": "ghost@example.com"}), 404)


@pytest.fixture
def every_status(mailbox, agent):
    """One conversation per status letter we produce."""
    made = {code: make(mailbox, at=START + timedelta(minutes=n)) for n, code in enumerate("NCARBXI")}
    conversation_change_status(conversation=made["C"], status="active", by_user=agent, acknowledge=True)
    thread_create(conversation=made["A"], thread=NewThread(type=Thread.Type.MESSAGE, body="Done", user=agent))
    conversation_change_status(conversation=made["R"], status="closed", by_user=agent)
    conversation_change_status(conversation=made["B"], status="spam", by_user=agent)
    conversation_delete(conversation=made["X"], by_user=agent)
    made["I"].delete()
    made["I"] = conversation_create(
        mailbox=mailbox,
        subject="Draft",
        customer=CustomerFactory(),
        threads=[NewThread(type=Thread.Type.MESSAGE, body="Dear", user=agent, state=Thread.State.DRAFT)],
        state=Conversation.State.DRAFT,
    )
    return made


def test_status_letters_out_and_filters_in(la, keys, every_status):
    rows = la.get(f"{API}/conversations", {"apikey": keys[0]}).json()["response"]["conversations"]
    shown = {row["conversationid"]: row["status"] for row in rows}
    assert shown == {cid(c): code for code, c in every_status.items()}
    for code, conversation in every_status.items():
        assert listed(la, keys[0], status=code) == [cid(conversation)]
    assert set(listed(la, keys[0], status="R,N, C")) == {cid(every_status[code]) for code in "RNC"}
    for never in "PTW":
        assert listed(la, keys[0], status=never) == []
    assert len(listed(la, keys[0], status="")) == 7  # empty: no filter
    body = assert_error(la.get(f"{API}/conversations", {"apikey": keys[0], "status": "R,Z"}), 400)
    assert body["debugmessage"] == "status" and "Z" in body["errormessage"]


def test_channel_types_out_and_filters_in(la, keys, mailbox):
    email = make(mailbox, at=START)
    chat = make(mailbox, at=START + timedelta(minutes=1), type=Conversation.Type.CHAT)
    phone = make(mailbox, at=START + timedelta(minutes=2), type=Conversation.Type.PHONE)
    rows = la.get(f"{API}/conversations", {"apikey": keys[0]}).json()["response"]["conversations"]
    assert [row["channel_type"] for row in rows] == ["C", "B", "E"]
    assert listed(la, keys[0], channel_type="E") == [cid(email)]
    assert listed(la, keys[0], channel_type="B,C") == [cid(phone), cid(chat)]
    assert listed(la, keys[0], channel_type="F,T,M") == []
    assert_error(la.get(f"{API}/conversations", {"apikey": keys[0], "channel_type": "E,X"}), 400)


def test_datefrom_and_dateto_bound_the_creation_date_inclusively(la, keys, mailbox):
    early, late = make(mailbox, at=START), make(mailbox, at=START + timedelta(days=2))
    assert listed(la, keys[0], datefrom="2024-05-01 10:00:00") == [cid(late), cid(early)]
    assert listed(la, keys[0], datefrom="2024-05-01 10:00:01") == [cid(late)]
    assert listed(la, keys[0], dateto="2024-05-01 10:00:00") == [cid(early)]
    assert listed(la, keys[0], dateto="2024-05-01 09:59:59") == []
    assert listed(la, keys[0], datefrom="2024-05-02", dateto="2024-05-03") == [cid(late)]  # dates: whole days
    for bad in ["yesterday", "2024-05-01T10:00:00", "2024-13-01 00:00:00"]:
        body = assert_error(la.get(f"{API}/conversations", {"apikey": keys[0], "dateto": bad}), 400)
        assert body["debugmessage"] == "dateto"


def test_dates_are_read_in_the_account_time_zone(la, keys, mailbox, settings):
    settings.LIVEAGENT_TIME_ZONE = "Europe/Prague"  # UTC+2 in May
    conversation = make(mailbox, at=START)
    assert listed(la, keys[0], datefrom="2024-05-01 12:00:00") == [cid(conversation)]
    assert listed(la, keys[0], datefrom="2024-05-01 12:00:01") == []
    assert listed(la, keys[0], datechanged="lk:2024-05-01 12:%") == [cid(conversation)]
    assert listed(la, keys[0], datechanged="lk:% 12:00:00") == [cid(conversation)]
    assert listed(la, keys[0], datechanged="lk:% 10:00:00") == []
    row = la.get(f"{API}/conversations/{cid(conversation)}", {"apikey": keys[0]}).json()["response"]
    assert row["datecreated"] == "2024-05-01 12:00:00"


@pytest.mark.parametrize(
    ("value", "matches"),
    [
        ("2024-05-01 10:00:00", True),  # no operator: eq
        ("eq:2024-05-01 10:00:00", True),
        ("eq:2024-05-01 10:00:01", False),
        ("neq:2024-05-01 10:00:00", False),
        ("neq:2024-05-01 10:00:01", True),
        ("gt:2024-05-01 10:00:00", False),
        ("gt:2024-05-01 09:59:59", True),
        ("gte:2024-05-01 10:00:00", True),
        ("lt:2024-05-01 10:00:00", False),
        ("lt:2024-05-01 10:00:01", True),
        ("lte:2024-05-01 10:00:00", True),
        ("lte:2024-05-01 09:59:59", False),
        ("btw:2024-05-01 10:00:00,2024-05-01 10:00:00", True),
        ("btw:2024-04-01 00:00:00,2024-05-01 09:59:59", False),
        ("lk:2024-05-%", True),
        ("lk:2024-%", True),
        ("lk:2023-%", False),
        ("lk:2024-05-01 %", True),
        ("lk:2024-05-02 %", False),
        ("lk:2024-05-01 10:%", True),
        ("lk:2024-05-01 11:%", False),
        ("lk:2024-05-01 10:00:%", True),
        ("lk:2024-05-01 ??:00:00", True),
        ("lk:2024-05-01 1?:00:00", True),
        ("lk:2024-05-01 0?:00:00", False),
        ("lk:2024-?5-%", True),
        ("lk:%-01 10:%", True),
        ("lk:%0", True),
        ("lk:%1", False),
        ("lk:%", True),
        ("lk:2024-05-01 10:00:00", True),
        ("lk:2024-02-30 %", False),  # no such day
        ("lk:2024-05-01 10:00:00:00", False),  # longer than any date
        ("lk:2024-05", False),  # no % : the whole date
        ("lk:2024%05%01%10%00%00", True),
    ],
)
def test_datechanged_operators(la, keys, mailbox, value, matches):
    conversation = make(mailbox, at=START + timedelta(microseconds=250_000))
    assert listed(la, keys[0], datechanged=value) == ([cid(conversation)] if matches else [])


def test_lk_ranges_roll_over_the_end_of_a_month_and_a_year(la, keys, mailbox):
    last = make(mailbox, at=datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC))
    first = make(mailbox, at=datetime(2025, 1, 1, 0, 0, 0, tzinfo=UTC))
    assert listed(la, keys[0], datechanged="lk:2024-12-%") == [cid(last)]
    assert listed(la, keys[0], datechanged="lk:2024-12-31 %") == [cid(last)]
    assert listed(la, keys[0], datechanged="lk:2024-12-31 23:59:%") == [cid(last)]
    assert listed(la, keys[0], datechanged="lk:2025-01-%") == [cid(first)]
    assert listed(la, keys[0], datechanged="lk:%-?1-%") == [cid(first)]  # January, October or November
    assert listed(la, keys[0], datechanged="lk:????-??-3? %") == [cid(last)]


@pytest.fixture
def spread(mailbox, keys):
    """Conversations last changed at scattered times, and what each shows as ``datechanged``."""
    times = [
        datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC),
        datetime(2024, 5, 1, 10, 0, 59, 999_999, tzinfo=UTC),
        datetime(2023, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2024, 2, 29, 7, 5, 3, tzinfo=UTC),
        datetime(2019, 10, 11, 21, 30, 45, tzinfo=UTC),
        datetime(2024, 11, 1, 0, 0, 0, tzinfo=UTC),
    ]
    made = [make(mailbox, at=at) for at in times]
    return {cid(c): at.strftime("%Y-%m-%d %H:%M:%S") for c, at in zip(made, times, strict=True)}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    pattern=st.lists(
        st.one_of(
            st.sampled_from(["%", "?", "-", ":", " ", "2024", "05", "01", "10", "00", "59", "1", "2", "3", "9"]),
            st.sampled_from(["2024-05-01 10:00:", "2024-", "-01 ", ":00:", "23:59:59", "2019-10-11 "]),
        ),
        max_size=7,
    ).map("".join)
)
def test_lk_matches_the_written_date_as_like_would(la, keys, spread, pattern):
    """The equivalence test of ``lk``: the conversations it finds are those whose datechanged, as the API
    writes it, the pattern matches as SQL's LIKE would (% any characters, ? one)."""
    assume(pattern and pattern == pattern.strip())  # parameters are trimmed
    response = la.get(f"{API}/conversations", {"apikey": keys[0], "datechanged": f"lk:{pattern}"})
    if response.status_code == 400:  # a pattern whose %s could be sized in too many ways
        assert re.sub(r"%+", "%", pattern).count("%") >= 2
        assert "too many %" in response.json()["response"]["errormessage"]
        return
    assert response.status_code == 200, response.content
    like = re.compile("".join(".*" if c == "%" else "." if c == "?" else re.escape(c) for c in pattern), re.DOTALL)
    expected = {conversation for conversation, written in spread.items() if like.fullmatch(written)}
    assert {row["conversationid"] for row in response.json()["response"]["conversations"]} == expected


@pytest.mark.parametrize(
    "value",
    [
        "xx:2024-05-01 10:00:00",
        "gt:2024-05-01",
        "gt:",
        "btw:2024-05-01 10:00:00",
        "btw:2024-05-01 10:00:00,2024-05-01 10:00:00,2024-05-01 10:00:00",
        "lk:2024-05-01 10:00:0_",
        "lk:",
        "lk:" + "%1" * 12,
    ],
)
def test_bad_datechanged_is_400(la, keys, value):
    body = assert_error(la.get(f"{API}/conversations.xml", {"apikey": keys[0], "datechanged": value}), 400, "xml")
    assert body["debugmessage"] == "datechanged"


@pytest.mark.parametrize("zone", ["UTC", "Europe/Prague", "America/New_York"])
def test_dates_at_the_calendars_edges_are_never_a_server_error(la, keys, mailbox, settings, zone):
    settings.LIVEAGENT_TIME_ZONE = zone
    make(mailbox)
    edges = [
        {"datefrom": "0001-01-01 00:00:00"},
        {"dateto": "9999-12-31 23:59:59"},
        {"dateto": "9999-12-31"},
        {"datefrom": "0001-01-01"},
        *(
            {"datechanged": value}
            for value in [
                "lte:9999-12-31 23:59:59",
                "gt:9999-12-31 23:59:59",
                "eq:9999-12-31 23:59:59",
                "neq:0001-01-01 00:00:00",
                "gte:0001-01-01 00:00:00",
                "btw:0001-01-01 00:00:00,9999-12-31 23:59:59",
                "lk:9999-%",
                "lk:0001-%",
                "lk:9999-12-31 23:59:59",
                "lk:0001-01-01 00:00:00",
            ]
        ),
    ]
    for params in edges:
        response = la.get(f"{API}/conversations", {"apikey": keys[0], **params})
        assert response.status_code in (200, 400), (params, response.content)


def test_subject_is_an_exact_match_in_any_case(la, keys, mailbox):
    printer = make(mailbox, subject="Printer on fire")
    make(mailbox, subject="Printer on fire again")
    assert listed(la, keys[0], subject="printer ON FIRE") == [cid(printer)]
    assert listed(la, keys[0], subject="Printer") == []


# --- #10 ------------------------------------------------------------------------------------------------


def test_one_conversation_as_the_seed_shows_it(la, keys, answered, agent):
    response = la.get(f"{API}/conversations/{cid(answered)}?&apikey={keys[1]}")
    assert response.status_code == 200
    assert response.json() == {
        "response": {
            **head(answered, "A"),
            "ownernote": "Prefers email",
            "preview": "Call us",
            "publicurlcode": answered.public_url_code,
            "assignedto": id_encode(Kind.AGENT_USER, agent.pk),
            "tags": ",".join(answered.tag_ids),
            "channel_type": "E",
            "messagegroupsin": "2",
            "messagegroupsout": "2",
            "customfields": [
                {"code": "other_var", "value": "First"},
                {"code": "varsymbol", "value": "423874698"},
                {"code": "other_var", "value": "Again"},
            ],
        }
    }


def test_one_conversation_found_by_code_or_public_url_code_in_xml_and_yaml(la, keys, answered):
    for reference in [answered.code, answered.code.lower(), answered.public_url_code]:
        response = la.get(f"{API}/conversations/{reference}.xml", {"apikey": keys[0]})
        root = ET.fromstring(response.content)
        assert root.findtext("conversationid") == cid(answered)
        assert [(f.findtext("code"), f.findtext("value")) for f in root.findall("customfields/customfield")] == [
            ("other_var", "First"),
            ("varsymbol", "423874698"),
            ("other_var", "Again"),
        ]
        assert root.find("datedue") is not None and root.findtext("datedue") == ""
    body = envelope(la.get(f"{API}/conversations/{answered.code}.yaml", {"apikey": keys[0]}))
    assert body["ownernote"] == "Prefers email" and body["messagegroupsout"] == "2"


def test_one_conversation_with_absent_values_gives_nulls(la, keys, mailbox):
    conversation = make(mailbox, customer=customer_create(first_name="Anon"))
    body = la.get(f"{API}/conversations/{cid(conversation)}", {"apikey": keys[0]}).json()["response"]
    assert (body["ownername"], body["owneremail"], body["ownernote"], body["assignedto"]) == ("Anon", None, None, None)
    assert (body["tags"], body["customfields"], body["datedue"]) == ("", [], None)


def test_an_unknown_or_invisible_conversation_is_not_found(la, keys, mailbox):
    hidden = make(MailboxFactory())
    for reference in [cid(hidden), hidden.code, hidden.public_url_code]:
        assert_error(la.get(f"{API}/conversations/{reference}", {"apikey": keys[1]}), 404)
        for path, data in [
            ("", "note=x"),
            ("/status", "status=R"),
            ("/attendants", "agentidentifier=admin@example.com"),
        ]:
            method = delete if path == "" else put
            assert_error(method(la, f"conversations/{reference}{path}", f"apikey={keys[1]}&{data}"), 404)
    for unknown in [id_encode(Kind.CONVERSATION, 999_999), id_encode(Kind.TAG, hidden.pk), "AAA-AAAAA-AAA", "x"]:
        assert_error(la.get(f"{API}/conversations/{unknown}.xml", {"apikey": keys[0]}), 404, "xml")
    assert Conversation.objects.get(pk=hidden.pk).state == Conversation.State.PUBLISHED


def test_every_route_needs_a_key(la, mailbox):
    conversation = make(mailbox)
    assert_error(la.get(f"{API}/conversations/{cid(conversation)}"), 401)
    assert_error(delete(la, f"conversations/{cid(conversation)}", ""), 401)
    assert_error(put(la, f"conversations/{cid(conversation)}/status", "status=R"), 401)
    assert_error(put(la, f"conversations/{cid(conversation)}/attendants", "department=x"), 401)
    assert reread(conversation).status == "active"


# --- #6 -------------------------------------------------------------------------------------------------


def test_delete_moves_to_deleted_with_a_note_by_the_actor(la, keys, mailbox, agent, hook):
    conversation = make(mailbox)
    WebhookEvent.objects.all().delete()
    data = f"apikey={keys[1]}&useridentifier=agent@example.com&note=Duplicate+of+%231%0A<b>see</b>"
    response = delete(la, f"conversations/{conversation.code}.xml", data)
    assert response.status_code == 200
    assert envelope(response) == {"status": "OK", "statuscode": "0"}
    conversation = reread(conversation)
    assert (
        conversation.state == Conversation.State.DELETED
        and conversation.folder.type == conversation.folder.Type.DELETED
    )
    assert events() == ["convo.deleted", "convo.note.created"]
    assert WebhookDelivery.objects.filter(webhook=hook, event__name="convo.deleted").count() == 1
    threads = conversation.threads.exclude(type=Thread.Type.CUSTOMER).order_by("id")
    assert [(t.type, t.action_type, t.created_by_user_id) for t in threads] == [
        ("lineitem", Thread.Action.DELETED, agent.pk),
        ("note", "", agent.pk),
    ]
    assert threads[1].body == "<p>Duplicate of #1<br>&lt;b&gt;see&lt;/b&gt;</p>"
    row = la.get(f"{API}/conversations/{cid(conversation)}", {"apikey": keys[1]}).json()["response"]
    assert row["status"] == "X"
    # The FreeScout API still has it, in Deleted; its own DELETE erases.
    assert (
        client_for(User.objects.get(email="admin@example.com"))
        .get(f"/api/conversations/{conversation.pk}")
        .json()["state"]
        == "deleted"
    )


def test_delete_without_an_actor_is_systems_and_repeating_it_changes_nothing(la, keys, mailbox, hook):
    conversation = make(mailbox)
    WebhookEvent.objects.all().delete()
    assert delete(la, f"conversations/{cid(conversation)}", f"apikey={keys[0]}").status_code == 200
    line = conversation.threads.get(type=Thread.Type.LINEITEM)
    assert line.created_by_user is None
    assert delete(la, f"conversations/{cid(conversation)}", f"apikey={keys[0]}").status_code == 200
    assert events() == ["convo.deleted"]
    assert not conversation.threads.filter(type=Thread.Type.NOTE).exists()


def test_delete_as_another_user_needs_an_admin_key(la, keys, mailbox, admin):
    conversation = make(mailbox)
    response = delete(la, f"conversations/{cid(conversation)}", f"apikey={keys[1]}&useridentifier=admin@example.com")
    assert_error(response, 403)
    assert_error(delete(la, f"conversations/{cid(conversation)}", f"apikey={keys[0]}&useridentifier=x@y.z"), 404)
    assert reread(conversation).state == Conversation.State.PUBLISHED
    userid = id_encode(Kind.AGENT_USER, UserFactory().pk)
    assert (
        delete(la, f"conversations/{cid(conversation)}", f"apikey={keys[0]}&useridentifier={userid}").status_code == 200
    )


# --- #13 ------------------------------------------------------------------------------------------------


def status_of(la, key: str, conversation: Conversation) -> str:
    return la.get(f"{API}/conversations/{cid(conversation)}", {"apikey": key}).json()["response"]["status"]


@pytest.mark.parametrize(("code", "status"), [("A", "pending"), ("R", "closed"), ("C", "active")])
def test_a_status_set_reads_back_as_set(la, keys, mailbox, code, status):
    conversation = make(mailbox)
    assert status_of(la, keys[1], conversation) == "N"
    response = put(la, f"conversations/{cid(conversation)}/status", f"apikey={keys[1]}&status={code}")
    assert response.json() == {"response": {"status": "OK", "statuscode": 0}}
    assert reread(conversation).status == status
    assert status_of(la, keys[1], conversation) == code
    # Read back through the FreeScout API too.
    assert (
        client_for(User.objects.get(email="agent@example.com"))
        .get(f"/api/conversations/{conversation.pk}")
        .json()["status"]
        == status
    )


def test_status_fires_the_freescout_events_and_takes_a_note(la, keys, mailbox, agent, hook):
    conversation = make(mailbox)
    WebhookEvent.objects.all().delete()
    data = f"apikey={keys[1]}&status=R&useridentifier={id_encode(Kind.AGENT_USER, agent.pk)}&note=Solved"
    assert put(la, f"conversations/{conversation.code}/status.yaml", data).status_code == 200
    assert events() == ["convo.status", "convo.note.created"]
    assert WebhookDelivery.objects.filter(webhook=hook, event__name="convo.status").count() == 1
    conversation = reread(conversation)
    assert (conversation.closed_by, conversation.status) == (agent, "closed")
    note = conversation.threads.get(type=Thread.Type.NOTE)
    assert (note.body, note.created_by_user) == ("<p>Solved</p>", agent)
    # Open on a New conversation: already active, so only acknowledged (no status event), then C.
    other = make(mailbox)
    WebhookEvent.objects.all().delete()
    assert put(la, f"conversations/{cid(other)}/status", f"apikey={keys[0]}&status=C").status_code == 200
    assert events() == []
    assert status_of(la, keys[0], other) == "C"


def test_setting_a_status_takes_a_conversation_out_of_deleted(la, keys, mailbox, hook):
    conversation = make(mailbox)
    conversation_delete(conversation=conversation, by_user=None)
    WebhookEvent.objects.all().delete()
    assert put(la, f"conversations/{cid(conversation)}/status", f"apikey={keys[0]}&status=A").status_code == 200
    assert status_of(la, keys[0], conversation) == "A"
    assert events() == ["convo.restored", "convo.status"]


@pytest.mark.parametrize("data", ["", "status=", "status=N", "status=X", "status=a", "status=AR", "status=P"])
def test_status_needs_one_of_a_r_c(la, keys, mailbox, data):
    conversation = make(mailbox)
    body = assert_error(put(la, f"conversations/{cid(conversation)}/status", f"apikey={keys[0]}&{data}"), 400)
    assert body["debugmessage"] == "status"
    assert status_of(la, keys[0], conversation) == "N"


def test_a_draft_takes_no_status(la, keys, every_status):
    draft = every_status["I"]
    assert_error(put(la, f"conversations/{cid(draft)}/status", f"apikey={keys[0]}&status=C"), 400)
    assert status_of(la, keys[0], draft) == "I"


def test_status_as_another_user_needs_an_admin_key(la, keys, mailbox):
    conversation = make(mailbox)
    data = f"apikey={keys[1]}&status=R&useridentifier=admin@example.com"
    assert_error(put(la, f"conversations/{cid(conversation)}/status", data), 403)
    assert reread(conversation).status == "active"


def test_an_empty_note_is_no_note(la, keys, mailbox):
    conversation = make(mailbox)
    assert (
        put(la, f"conversations/{cid(conversation)}/status", f"apikey={keys[0]}&status=R&note=+%0A").status_code == 200
    )
    assert not conversation.threads.filter(type=Thread.Type.NOTE).exists()


# --- #5 -------------------------------------------------------------------------------------------------


@pytest.fixture
def billing(agent):
    billing = MailboxFactory(name="Billing")
    mailbox_user_grant(mailbox=billing, user=agent)
    return billing


def test_transfer_to_a_department_and_an_agent_with_a_note(la, keys, mailbox, agent, billing, hook):
    conversation = make(mailbox)
    WebhookEvent.objects.all().delete()
    data = (
        f"apikey={keys[0]}&department={id_encode(Kind.DEPARTMENT, billing.pk)}&agentidentifier=agent@example.com"
        "&useridentifier=admin@example.com&note=Yours+now"
    )
    response = put(la, f"conversations/{conversation.public_url_code}/attendants.xml", data)
    assert envelope(response) == {"status": "OK", "statuscode": "0"}
    conversation = reread(conversation)
    assert (conversation.mailbox, conversation.assignee) == (billing, agent)
    assert events() == ["convo.moved", "convo.assigned", "convo.note.created"]
    assert WebhookDelivery.objects.filter(webhook=hook, event__name="convo.assigned").count() == 1
    note = conversation.threads.get(type=Thread.Type.NOTE)
    assert (note.body, note.created_by_user.email) == ("<p>Yours now</p>", "admin@example.com")
    row = la.get(f"{API}/conversations/{cid(conversation)}", {"apikey": keys[1]}).json()["response"]
    assert (row["departmentname"], row["assignedto"]) == ("Billing", id_encode(Kind.AGENT_USER, agent.pk))


def test_transfer_to_a_department_alone_or_an_agent_alone(la, keys, mailbox, agent, billing, hook):
    conversation = make(mailbox)
    WebhookEvent.objects.all().delete()
    department = id_encode(Kind.DEPARTMENT, billing.pk)
    assert (
        put(
            la, f"conversations/{cid(conversation)}/attendants", f"apikey={keys[1]}&department={department}"
        ).status_code
        == 200
    )
    assert reread(conversation).mailbox == billing and events() == ["convo.moved"]
    userid = id_encode(Kind.AGENT_USER, agent.pk)
    assert (
        put(
            la, f"conversations/{cid(conversation)}/attendants", f"apikey={keys[1]}&agentidentifier={userid}"
        ).status_code
        == 200
    )
    assert reread(conversation).assignee == agent and events() == ["convo.moved", "convo.assigned"]
    # By System: no acting user on the line items or the note.
    assert all(t.created_by_user is None for t in conversation.threads.filter(type=Thread.Type.LINEITEM))


def test_transfer_needs_a_department_or_an_agent(la, keys, mailbox):
    conversation = make(mailbox)
    body = assert_error(put(la, f"conversations/{cid(conversation)}/attendants", f"apikey={keys[0]}&note=Hi"), 400)
    assert body["debugmessage"] == "department"
    assert not conversation.threads.filter(type=Thread.Type.NOTE).exists()


def test_transfer_to_an_agent_without_access_is_400_and_changes_nothing(la, keys, mailbox, billing, hook):
    conversation = make(mailbox)
    outsider = UserFactory(email="outsider@example.com")
    WebhookEvent.objects.all().delete()
    data = f"apikey={keys[0]}&department={id_encode(Kind.DEPARTMENT, billing.pk)}&agentidentifier=outsider@example.com"
    body = assert_error(put(la, f"conversations/{cid(conversation)}/attendants", data), 400)
    assert body["debugmessage"] == "agentidentifier"
    assert reread(conversation).mailbox == mailbox  # the move rolled back with the request
    assert events() == []
    assert outsider.pk


def test_transfer_to_unknown_or_invisible_targets_is_not_found(la, keys, mailbox):
    conversation = make(mailbox)
    hidden = id_encode(Kind.DEPARTMENT, MailboxFactory().pk)
    path = f"conversations/{cid(conversation)}/attendants"
    assert_error(put(la, path, f"apikey={keys[1]}&department={hidden}"), 404)
    assert_error(put(la, path, f"apikey={keys[0]}&department=nope"), 404)
    assert_error(put(la, path, f"apikey={keys[0]}&agentidentifier=ghost@example.com"), 404)
    assert_error(
        put(la, path, f"apikey={keys[1]}&agentidentifier=agent@example.com&useridentifier=admin@example.com"), 403
    )
    assert reread(conversation).assignee is None


# --- Across the dialects ---------------------------------------------------------------------------------


def test_a_conversation_made_through_freescout_reads_and_changes_through_v1(la, keys, admin, mailbox, agent, hook):
    freescout = client_for(admin)
    made = freescout.post(
        "/api/conversations",
        {
            "type": "email",
            "mailboxId": mailbox.pk,
            "subject": "From FreeScout",
            "customer": {"email": "fs@customer.example", "firstName": "Fred"},
            "threads": [{"type": "customer", "text": "Hello", "customer": {"email": "fs@customer.example"}}],
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    conversation = Conversation.objects.get(pk=made.json()["id"])
    row = la.get(f"{API}/conversations/{conversation.code}", {"apikey": keys[1]}).json()["response"]
    assert (row["subject"], row["ownername"], row["owneremail"], row["status"]) == (
        "From FreeScout",
        "Fred",
        "fs@customer.example",
        "N",
    )
    WebhookEvent.objects.all().delete()
    put(la, f"conversations/{conversation.code}/attendants", f"apikey={keys[1]}&agentidentifier=agent@example.com")
    put(la, f"conversations/{conversation.code}/status", f"apikey={keys[1]}&status=R")
    assert events() == ["convo.assigned", "convo.status"]
    shown = freescout.get(f"/api/conversations/{conversation.pk}").json()
    assert (shown["status"], shown["assignee"]["id"]) == ("closed", agent.pk)


def test_dates_written_with_an_offset_zone_are_local(la, keys, mailbox, settings):
    settings.LIVEAGENT_TIME_ZONE = "America/New_York"
    conversation = make(mailbox, at=START)
    local = START.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M:%S")
    assert listed(la, keys[0], datechanged=f"eq:{local}") == [cid(conversation)]
