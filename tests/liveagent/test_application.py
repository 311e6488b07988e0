"""#2 GET /application/status (reference §2, §3.2, §4.5; seed: "Return application installation date")."""

from datetime import UTC, datetime

import orjson
import pytest
import yaml
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Max, Min

from liveagent import application
from tests.liveagent.helpers import STATUS, envelope

pytestmark = pytest.mark.django_db

FIELDS = ["liveagentversion", "gpfversion", "dateinstalled", "datelatestupdate", "current_server_time"]
NOW = datetime(2014, 8, 9, 10, 14, 0, tzinfo=UTC)
INSTALLED = datetime(2012, 4, 5, 11, 22, 31, 900_000, tzinfo=UTC)
UPDATED = datetime(2012, 8, 5, 12, 13, 5, tzinfo=UTC)


@pytest.fixture
def fixed_clock(monkeypatch):
    monkeypatch.setattr(application.timezone, "now", lambda: NOW)
    monkeypatch.setattr(application, "migration_dates", lambda: (INSTALLED, UPDATED))


def test_json_has_the_documented_fields_in_order_all_strings(la, admin_key, fixed_clock):
    response = la.get(f"{STATUS}?&apikey={admin_key}")  # the seed's "?&apikey=value"
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    version = application.gpf_version()
    expected = (
        f'{{"response":{{"liveagentversion":"4.47.0.0","gpfversion":"{version}","dateinstalled":"2012-04-05 11:22:31",'
        '"datelatestupdate":"2012-08-05 12:13:05","current_server_time":"2014-08-09 10:14:00"}}'
    )
    assert response.content == expected.encode()


def test_xml_exact_text(la, admin_key, fixed_clock):
    response = la.get(f"{STATUS}.xml", {"apikey": admin_key})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response.content.decode() == (
        "<?xml version='1.0' encoding='utf-8'?>\n"
        "<response><liveagentversion>4.47.0.0</liveagentversion>"
        f"<gpfversion>{application.gpf_version()}</gpfversion>"
        "<dateinstalled>2012-04-05 11:22:31</dateinstalled><datelatestupdate>2012-08-05 12:13:05</datelatestupdate>"
        "<current_server_time>2014-08-09 10:14:00</current_server_time></response>"
    )
    assert list(envelope(response)) == FIELDS


def test_yaml_is_the_same_tree(la, admin_key, fixed_clock):
    response = la.get(f"{STATUS}.yaml", {"apikey": admin_key})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-yaml"
    as_json = orjson.loads(la.get(f"{STATUS}.json", {"apikey": admin_key}).content)
    assert yaml.safe_load(response.content) == as_json
    assert list(envelope(response)) == FIELDS
    assert all(isinstance(value, str) for value in envelope(response).values())


def test_dates_are_in_the_liveagent_time_zone(la, admin_key, fixed_clock, settings):
    settings.LIVEAGENT_TIME_ZONE = "Europe/Prague"
    body = envelope(la.get(STATUS, {"apikey": admin_key}))
    assert body["dateinstalled"] == "2012-04-05 13:22:31"  # CEST, +2
    assert body["current_server_time"] == "2014-08-09 12:14:00"


def test_real_dates_come_from_the_applied_migrations(la, admin_key):
    body = envelope(la.get(f"{STATUS}/", {"apikey": admin_key}))  # a trailing slash is accepted
    dates = MigrationRecorder(connection).migration_qs.aggregate(first=Min("applied"), latest=Max("applied"))
    assert body["dateinstalled"] == dates["first"].strftime("%Y-%m-%d %H:%M:%S")
    assert body["datelatestupdate"] == dates["latest"].strftime("%Y-%m-%d %H:%M:%S")
    assert body["dateinstalled"] <= body["datelatestupdate"] <= body["current_server_time"]
    assert list(body) == FIELDS


def test_an_agents_key_may_read_it(la, agent):
    from helpdesk.services import api_key_create

    assert la.get(STATUS, {"apikey": api_key_create(user=agent)[1]}).status_code == 200


def test_accept_does_not_choose_the_format(la, admin_key):
    response = la.get(STATUS, {"apikey": admin_key}, HTTP_ACCEPT="application/xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_head_answers_like_get_without_a_body(la, admin_key):
    response = la.head(f"{STATUS}.xml", {"apikey": admin_key})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response.content == b""
