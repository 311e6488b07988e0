"""LiveAgent #41-#60 (reference §3.10, §4.5) on the hand-computed story of tests/reports_story.py: every
figure column in JSON, XML and YAML, in two time zones; admins' keys only; every parameter's error path."""

import xml.etree.ElementTree as ET

import pytest
import yaml

from helpdesk.services import api_key_create
from liveagent.ids import Kind, id_encode
from liveagent.reports import columns as cols
from mailboxes.services import mailbox_user_grant
from tests.liveagent.helpers import assert_error
from tests.reports_story import EXPECTED_AGENTS, EXPECTED_TOTAL, clock, tell, utc

API = "/liveagent/api"
RANGE = {"date_from": "2026-10-01", "date_to": "2026-11-30"}
ZERO_COLUMNS = [c for c in cols.BLOCK_M if c not in EXPECTED_TOTAL and not c.endswith("Sla")]


@pytest.fixture
def story(db, monkeypatch):
    return tell(monkeypatch)


@pytest.fixture
def key(story):
    return api_key_create(user=story.ana)[1]


@pytest.fixture
def admin_key(admin):
    """For the tests that need no story (errors, permissions): an admin's key over an empty helpdesk."""
    return api_key_create(user=admin)[1]


def _rows(la, path: str, key: str, fmt: str = "json", **params) -> list[dict[str, str]]:
    suffix = "" if fmt == "json" else f".{fmt}"
    response = la.get(f"{API}/{path}{suffix}", {"apikey": key, **params})
    assert response.status_code == 200, response.content
    container = path.rsplit("/", 1)[-1]
    container = {"agentsavailability": "agentsavailability", "load": "loads", "ranking": "ranks"}.get(
        container, container
    )
    if fmt == "json":
        return response.json()["response"][container]
    if fmt == "yaml":
        return yaml.safe_load(response.content)["response"][container]
    root = ET.fromstring(response.content)
    items = root.find(container)
    assert items is not None
    return [{child.tag: child.text or "" for child in item} for item in items]


@pytest.mark.parametrize("fmt", ["json", "xml", "yaml"])
def test_agents_report_columns(la, story, key, fmt):
    rows = _rows(la, "reports/agents", key, fmt, **RANGE)
    by_email = {(r["firstname"], r["lastname"]): r for r in rows}
    assert [list(r) for r in rows] == [list(cols.AGENT_COLUMNS)] * len(rows)
    for email, expected in EXPECTED_AGENTS.items():
        user = story.ben if email.startswith("ben") else story.ana
        row = by_email[(user.first_name, user.last_name)]
        assert row["id"] == id_encode(Kind.AGENT_USER, user.pk)
        assert row["contactid"] == id_encode(Kind.AGENT_CONTACT, user.pk)
        for column, value in expected.items():
            assert row[column] == value, column
            if column in ("newAnswerAvgTime", "nextAnswerAvgTime", "firstAssignAvgTime", "firstResolveAvgTime"):
                assert row[f"{column}Sla"] == value
        # Nobody was online (no presence intervals): no worktime, so nothing per hour.
        assert row["worktime"] == "0"
        assert row["answers_ph"] == "0.00" and row["rewards_p"] == "0.00"
        assert row["calls"] == row["chats"] == row["o_calls"] == "0"


@pytest.mark.parametrize("fmt", ["json", "xml", "yaml"])
def test_performance_whole_range_is_the_story(la, story, key, fmt):
    (row,) = _rows(la, "reports/performance", key, fmt, **RANGE)
    assert list(row) == list(cols.PERFORMANCE_COLUMNS)
    assert row["datetime"] == "2026-10-01" and row["dateto"] == "2026-11-30 23:59:59"
    for column, value in EXPECTED_TOTAL.items():
        assert row[column] == value, column
    for column in ZERO_COLUMNS:
        assert row[column] in ("0", "0.00"), column


def test_performance_by_day_in_prague_and_in_new_york(la, story, key, settings):
    settings.LIVEAGENT_TIME_ZONE = "Europe/Prague"
    params = {
        "date_from": "2026-10-24",
        "date_to": "2026-10-26",
        "group_by": "day",
        "columns": "datetime,dateto,answers,resolved_tickets",
    }
    rows = _rows(la, "reports/performance", key, **params)
    assert rows == [
        {"datetime": "2026-10-24", "dateto": "2026-10-24 23:59:59", "answers": "0", "resolved_tickets": "0"},
        {"datetime": "2026-10-25", "dateto": "2026-10-25 23:59:59", "answers": "4", "resolved_tickets": "3"},
        {"datetime": "2026-10-26", "dateto": "2026-10-26 23:59:59", "answers": "0", "resolved_tickets": "0"},
    ]
    settings.LIVEAGENT_TIME_ZONE = "America/New_York"
    rows = _rows(la, "reports/performance", key, **params)
    assert [(r["datetime"], r["answers"], r["resolved_tickets"]) for r in rows] == [
        ("2026-10-24", "2", "1"),
        ("2026-10-25", "2", "2"),
        ("2026-10-26", "0", "0"),
    ]
    hours = _rows(
        la,
        "reports/performance",
        key,
        "yaml",
        date_from="2026-11-01 00:00:00",
        date_to="2026-11-01 02:59:59",
        group_by="hour",
        columns="datetime,dateto,created_tickets,i_messages",
    )
    assert hours == [
        {"datetime": "2026-11-01 00:00:00", "dateto": "2026-11-01 00:59:59", "created_tickets": "0", "i_messages": "0"},
        {"datetime": "2026-11-01 01:00:00", "dateto": "2026-11-01 01:59:59", "created_tickets": "1", "i_messages": "0"},
        {"datetime": "2026-11-01 01:00:00", "dateto": "2026-11-01 01:59:59", "created_tickets": "0", "i_messages": "1"},
        {"datetime": "2026-11-01 02:00:00", "dateto": "2026-11-01 02:59:59", "created_tickets": "0", "i_messages": "0"},
    ]


@pytest.mark.parametrize("fmt", ["json", "xml", "yaml"])
def test_departments_channels_and_tags(la, story, key, fmt):
    departments = _rows(la, "reports/departments", key, fmt, **RANGE)
    assert [(d["departmentName"], d["answers"], d["i_messages"], d["resolved_tickets"]) for d in departments] == [
        ("Billing", "2", "2", "2"),
        ("Support", "4", "4", "1"),
    ]
    assert departments[0]["id"] == id_encode(Kind.DEPARTMENT, story.billing.pk)
    channels = _rows(la, "reports/channels", key, fmt, **RANGE)
    assert [(c["id"], c["channelName"], c["answers"], c["created_tickets"]) for c in channels] == [
        ("E", "Email", "4", "2"),
        ("M", "Contact form", "0", "0"),
        ("B", "Contact button", "0", "0"),
        ("C", "Call", "2", "1"),
    ]
    (tag,) = _rows(la, "reports/tags", key, fmt, **RANGE)
    assert tag["tagName"] == "vip"
    assert (tag["answers"], tag["newAnswerAvgTime"], tag["nextAnswerAvgTime"], tag["notes"]) == (
        "2",
        "6300",
        "2400",
        "1",
    )
    assert (tag["firstResolveAvgTime"], tag["firstAssignAvgTime"], tag["i_messages"]) == ("16200", "1800", "3")


def test_an_exact_range_inside_hours(la, story, key, settings):
    settings.LIVEAGENT_TIME_ZONE = "Europe/Prague"
    # 00:30 CEST = 22:30 UTC (C1 starts), to 03:14:59 CET = 02:14:59 UTC (just after Ben's second answer).
    (row,) = _rows(
        la,
        "reports/performance",
        key,
        date_from="2026-10-25 00:30:00",
        date_to="2026-10-25 03:14:59",
        columns="answers,i_messages,created_tickets,nextAnswerAvgTime,datetime,dateto",
    )
    assert row == {
        "datetime": "2026-10-25",
        "dateto": "2026-10-25 03:14:59",
        "answers": "2",
        "nextAnswerAvgTime": "2400",
        "i_messages": "3",
        "created_tickets": "1",
    }


def test_a_change_is_in_the_next_report(la, story, key, monkeypatch):
    from conversations import services
    from conversations.models import Thread

    before = _rows(la, "reports/performance", key, **RANGE)[0]["answers"]
    with clock(monkeypatch, utc("2026-11-02 10:00:00")):
        services.thread_create(
            conversation=story.c1, thread=services.NewThread(type=Thread.Type.MESSAGE, body="One more.", user=story.ben)
        )
    assert int(_rows(la, "reports/performance", key, **RANGE)[0]["answers"]) == int(before) + 1


def test_columns_and_paging(la, story, key):
    rows = _rows(
        la, "reports/departments", key, columns="answers, departmentName", limitcount="1", limitfrom="1", **RANGE
    )
    assert rows == [{"departmentName": "Support", "answers": "4"}]
    assert _rows(la, "reports/departments", key, limitfrom="5", **RANGE) == []
    days = _rows(la, "reports/performance", key, group_by="day", limitcount="5000", columns="answers", **RANGE)
    assert len(days) == 61
    page = _rows(
        la, "reports/performance", key, group_by="month", limitfrom="1", columns="dateto,answers,datetime", **RANGE
    )
    assert page == [{"datetime": "2026-11-01", "dateto": "2026-11-30 23:59:59", "answers": "2"}]


def test_datetime_shortcuts(la, story, key, monkeypatch):
    with clock(monkeypatch, utc("2026-11-15 12:00:00")):
        wanted = "datetime,dateto,answers"
        (last_month,) = _rows(la, "reports/performance", key, datetime="LM", columns=wanted)
        (this_month,) = _rows(la, "reports/performance", key, datetime="TM", columns=wanted)
        (october,) = _rows(la, "reports/performance", key, datetime="2026-10", columns=wanted)
        (thirty,) = _rows(la, "reports/performance", key, datetime="L30D", columns=wanted)
    assert last_month == {"datetime": "2026-10-01", "dateto": "2026-10-31 23:59:59", "answers": "4"}
    assert this_month == {"datetime": "2026-11-01", "dateto": "2026-11-30 23:59:59", "answers": "2"}
    assert october == last_month
    assert thirty == {"datetime": "2026-10-17", "dateto": "2026-11-15 23:59:59", "answers": "6"}


REPORTS = [
    "agents", "channels", "departments", "performance", "tags", "tickets/agentsavailability", "tickets/load",
    "tickets/slacompliance", "tickets/slalog", "chats/agentsavailability", "chats/availability", "chats/load",
    "chats/slacompliance", "chats/slalog", "calls/agentsavailability", "calls/availability", "calls/load",
    "calls/slacompliance", "calls/slalog", "ranking",
]  # fmt: skip


@pytest.mark.parametrize("report", REPORTS)
def test_admins_keys_only(la, agent, admin_key, report):
    key = admin_key
    agent_key = api_key_create(user=agent)[1]
    assert_error(la.get(f"{API}/reports/{report}", {"apikey": agent_key, **RANGE}), 403)
    assert_error(la.get(f"{API}/reports/{report}.xml", {"apikey": agent_key, **RANGE}), 403, "xml")
    assert_error(la.get(f"{API}/reports/{report}", RANGE), 401)
    assert la.get(f"{API}/reports/{report}", {"apikey": key, **RANGE}).status_code == 200


def test_reports_of_what_does_not_exist_are_empty(la, admin_key):
    key = admin_key
    for report in REPORTS[7:]:
        if report.endswith(("slalog",)) or report == "ranking":
            response = la.get(f"{API}/reports/{report}", {"apikey": key, **RANGE})
        else:
            response = la.get(f"{API}/reports/{report}", {"apikey": key})
        assert response.status_code == 200, report
        assert list(response.json()["response"].values()) == [[]]


BAD = [
    ("agents", {"date_to": "2026-10-01"}, "date_from"),
    ("agents", {"date_from": "2026-10-01"}, "date_to"),
    ("agents", {"date_from": "2026-13-01", "date_to": "2026-10-02"}, "date_from"),
    ("agents", {"date_from": "yesterday", "date_to": "2026-10-02"}, "date_from"),
    ("agents", {"date_from": "2026-10-02", "date_to": "2026-10-01"}, "date_to"),
    ("agents", {**RANGE, "date_to": "2026-10-01 25:00:00"}, "date_to"),
    ("agents", {**RANGE, "date_from": "x" * 5000}, "date_from"),
    ("agents", {**RANGE, "columns": "answers,nope"}, "columns"),
    ("channels", {**RANGE, "limitcount": "-1"}, "limitcount"),
    ("tags", {**RANGE, "limitfrom": "abc"}, "limitfrom"),
    ("performance", {**RANGE, "group_by": "year"}, "group_by"),
    ("performance", {"datetime": "2026-13"}, "datetime"),
    ("performance", {"datetime": "L31D"}, "datetime"),
    ("tickets/slacompliance", {"datetime": "0000-01"}, "datetime"),
    ("ranking", {**RANGE, "types": "W,X"}, "types"),
    ("departments", {"date_from": "0001-01-01", "date_to": "0001-01-01"}, ""),
]


@pytest.mark.parametrize(("report", "params", "parameter"), BAD)
def test_bad_parameters_are_400s(la, admin_key, settings, report, params, parameter):
    key = admin_key
    settings.LIVEAGENT_TIME_ZONE = "Asia/Tokyo"  # 0001-01-01 00:00 there is before year 1 in UTC
    body = assert_error(la.get(f"{API}/reports/{report}", {"apikey": key, **params}), 400)
    if parameter:
        assert body["debugmessage"] == parameter
    assert_error(la.get(f"{API}/reports/{report}.xml", {"apikey": key, **params}), 400, "xml")


@pytest.mark.parametrize(
    ("report", "params"),
    [
        ("tickets/agentsavailability", {"departmentid": "nope1234"}),
        ("tickets/load", {"agentid": id_encode(Kind.AGENT_USER, 10**6)}),
        ("tickets/slacompliance", {"slalevelid": "3bd9cf58"}),
        ("tickets/slacompliance", {"userid": "zzzzzzzz"}),
        ("tickets/slalog", {**RANGE, "requesterid": id_encode(Kind.CUSTOMER_CONTACT, 10**6)}),
        ("ranking", {**RANGE, "agentid": id_encode(Kind.AGENT_USER, 1)}),  # a user id where a contact id goes
    ],
)
def test_unknown_ids_are_404s(la, admin_key, report, params):
    key = admin_key
    assert_error(la.get(f"{API}/reports/{report}", {"apikey": key, **params}), 404)


def test_extreme_ranges_answer(la, story, key):
    rows = _rows(
        la,
        "reports/performance",
        key,
        date_from="0001-01-01",
        date_to="9999-12-31",
        group_by="hour",
        limitfrom="2147483647",
    )
    assert rows == []
    (row,) = _rows(
        la, "reports/agents", key, date_from="0001-01-02", date_to="9999-12-31", columns="answers", limitcount="1"
    )
    assert row == {"answers": "2"}


def test_tickets_load_from_samples(la, story, key, monkeypatch):
    from conversations import services
    from conversations.models import Thread
    from reports.services import load_sample

    with clock(monkeypatch, utc("2026-11-02 09:00:00")):
        services.thread_create(
            conversation=story.c3, thread=services.NewThread(type=Thread.Type.CUSTOMER, body="Again.")
        )
    for minute in (0, 5):
        load_sample(now=utc(f"2026-11-02 10:{minute:02d}:00"))
    rows = _rows(la, "reports/tickets/load", key, date_from="2026-11-02", date_to="2026-11-02")
    # C3, reopened by its customer, is the one active conversation (unassigned): one in the queue; nobody
    # online, nothing in service.
    assert rows == [
        {
            "date": "2026-11-02 10:00:00", "avgQueue": "1.00", "maxQueue": "1", "minQueue": "1", "avgSlots": "0.00",
            "maxSlots": "0", "minSlots": "0", "avgService": "0.00", "maxService": "0", "minService": "0",
        }
    ]  # fmt: skip


def _queries(run) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        run()
    return len(queries)


def test_load_and_availability_ask_access_once_whatever_the_agents_and_mailboxes(la, story, key):
    """Access was asked per agent and mailbox: a query of each pair, every few minutes in beat's sample."""
    from presence.services import presence_heartbeat
    from reports.services import load_sample
    from tests.factories import MailboxFactory, UserFactory

    now = utc("2026-11-02 10:00:00")
    params = {"date_from": "2026-11-02", "date_to": "2026-11-02"}
    presence_heartbeat(user=story.ben, now=now)
    few_sample = _queries(lambda: load_sample(now=now))
    few_available = _queries(lambda: _rows(la, "reports/tickets/agentsavailability", key, **params))
    for number in range(3):
        mailbox = MailboxFactory(name=f"Extra {number}", email=f"extra{number}@example.com")
        agent = UserFactory(email=f"agent{number}@example.com")
        mailbox_user_grant(mailbox=mailbox, user=agent)
        presence_heartbeat(user=agent, now=now)
    assert _queries(lambda: load_sample(now=now)) <= few_sample
    rows = []
    # At most: the first request also recorded the key's use.
    assert _queries(lambda: rows.extend(_rows(la, "reports/tickets/agentsavailability", key, **params))) <= (
        few_available
    )
    assert sorted(row["department_name"] for row in rows) == ["Extra 0", "Extra 1", "Extra 2", "Support"]


def test_worktime_and_availability_from_presence(la, story, key, monkeypatch):
    from datetime import timedelta

    from presence.services import presence_heartbeat

    # Ben's admin pages were open from 00:00 to 02:00 UTC on the 25th (a heartbeat a minute).
    for minute in range(121):
        presence_heartbeat(user=story.ben, now=utc("2026-10-25 00:00:00") + timedelta(minutes=minute))
    rows = _rows(la, "reports/agents", key, columns="firstname,worktime,answers,answers_ph,notes", **RANGE)
    assert {"firstname": "Ben", "worktime": "120", "answers": "4", "answers_ph": "2.00", "notes": "1"} in rows
    available = _rows(
        la, "reports/tickets/agentsavailability", key, "xml", date_from="2026-10-25", date_to="2026-10-25"
    )
    assert [{k: v for k, v in row.items() if k != "id"} for row in available] == [
        {
            "userid": id_encode(Kind.AGENT_USER, story.ben.pk),
            "firstname": "Ben",
            "lastname": "Agent",
            "contactid": id_encode(Kind.AGENT_CONTACT, story.ben.pk),
            "departmentid": id_encode(Kind.DEPARTMENT, story.support.pk),
            "department_name": "Support",
            "hours_online": "02:00:00",
            "from_date": "2026-10-25 00:00:00",
            "to_date": "2026-10-25 02:00:00",
        }
    ]
    billing = id_encode(Kind.DEPARTMENT, story.billing.pk)
    assert _rows(la, "reports/tickets/agentsavailability", key, departmentid=billing, date_from="2026-10-25") == []
