"""The admin's Reports page: admins only, the same numbers as the LiveAgent API's reports, and a screenshot."""

import re

import pytest

from helpdesk.services import api_key_create
from tests.reports_story import tell

PAGE = "/admin/reports/hourlyfigure/"
RANGE = {"date_from": "2026-10-01", "date_to": "2026-11-30"}


@pytest.fixture
def story(db, monkeypatch):
    return tell(monkeypatch)


def _cells(html: str, table: str) -> list[list[str]]:
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return [re.findall(r"<td>([^<]*)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>")[1])]


def test_the_page_shows_the_api_numbers(client, story):
    client.force_login(story.ana)
    page = client.get(PAGE, RANGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<script" not in html.split('id="content-main"', 1)[1]
    key = api_key_create(user=story.ana)[1]
    api = client.get("/liveagent/api/reports/agents", {"apikey": key, **RANGE}).json()["response"]["agents"]
    by_name = {f"{row['firstname']} {row['lastname']}": row for row in api}
    rows = _cells(html, "report-agents")
    assert [r[0] for r in rows] == ["Ana Admin", "Ben Agent"]
    for name, answers, new, following, created, resolved, notes in rows:
        row = by_name[name]
        assert [answers, new, following, created, resolved, notes] == [
            row["answers"], row["newAnswerAvgTime"], row["nextAnswerAvgTime"], row["created_tickets"],
            row["resolved_tickets"], row["notes"],
        ]  # fmt: skip
    (total,) = client.get("/liveagent/api/reports/performance", {"apikey": key, **RANGE}).json()["response"][
        "performance"
    ]
    assert f'data-total="created">{total["created_tickets"]}<' in html
    assert f'data-total="resolved">{total["resolved_tickets"]}<' in html
    assert _cells(html, "report-tags") == [["vip", "2", "3", "6300", "1", "1"]]
    billing = client.get(PAGE, {**RANGE, "mailbox": story.billing.pk}).content.decode()
    assert [r[0] for r in _cells(billing, "report-agents")] == ["Ana Admin"]


def test_agents_may_not_see_it(client, story):
    client.force_login(story.ben)
    assert client.get(PAGE).status_code == 403


def test_bad_filters_fall_back(client, story):
    client.force_login(story.ana)
    for params in (
        {"date_from": "nope", "mailbox": "x"},
        {"date_from": "2026-12-01", "date_to": "2000-01-01"},
        # Dates at the ends of the calendar and a digit int() refuses were 500s.
        {"date_to": "9999-12-31"},
        {"date_from": "0001-01-01", "date_to": "0001-01-02"},
        {"date_to": "0001-01-05"},
        {"mailbox": "²"},
        {"mailbox": "99999999999999999999999"},
    ):
        assert client.get(PAGE, params).status_code == 200, params
