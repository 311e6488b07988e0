"""#62 to #66 tags: list, read, create, change, delete. Reads see ``tags_visible_to`` (a regular key: tags used in
its mailboxes or nowhere); writes need an admin's key."""

import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations.models import ConversationTag, Tag
from conversations.services.labels import conversation_tag_add, tag_create
from helpdesk.services import api_key_create, api_key_revoke
from liveagent.ids import Kind, id_encode
from tests.factories import ConversationFactory, MailboxFactory
from tests.liveagent.helpers import assert_error, envelope
from webhooks.models import WebhookEvent

API = "/liveagent/api"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def seed_tags(mailbox):
    """The seed's two tags, VIP used in ``mailbox``, Support used nowhere; and one used only elsewhere."""
    vip = tag_create(name="VIP", text_color="FFFFFF", background_color="0000FF", keep_case=True)
    support = tag_create(name="Support", keep_case=True)
    hidden = tag_create(name="Elsewhere", keep_case=True)
    conversation_tag_add(conversation=ConversationFactory(mailbox=mailbox), tag=vip)
    conversation_tag_add(conversation=ConversationFactory(mailbox=MailboxFactory()), tag=hidden)
    return vip, support, hidden


def tag_id(tag: Tag) -> str:
    return id_encode(Kind.TAG, tag.pk)


def put(la, path: str, data: dict):
    """PUT and DELETE bodies are urlencoded, as the seed's http_build_query makes them."""
    return la.put(path, urlencode(data), content_type=FORM)


def delete(la, path: str, data: dict):
    return la.delete(path, urlencode(data), content_type=FORM)


# --- #63 GET /tags ------------------------------------------------------------------------------------------


def test_list_as_the_seed_shows_it(la, keys, seed_tags):
    vip, support, hidden = seed_tags
    response = la.get(f"{API}/tags?&apikey={keys[0]}")
    assert response.status_code == 200
    assert response.json() == {
        "response": {
            "tags": [
                {"id": tag_id(vip), "name": "VIP"},
                {"id": tag_id(support), "name": "Support"},
                {"id": tag_id(hidden), "name": "Elsewhere"},
            ]
        }
    }


def test_a_regular_key_lists_the_tags_of_its_mailboxes_and_unused_ones(la, keys, seed_tags):
    vip, support, _ = seed_tags
    body = envelope(la.get(f"{API}/tags", {"apikey": keys[1]}))
    assert body == {"tags": [{"id": tag_id(vip), "name": "VIP"}, {"id": tag_id(support), "name": "Support"}]}


def test_list_in_xml_and_yaml(la, keys, seed_tags):
    vip, support, _ = seed_tags
    root = ET.fromstring(la.get(f"{API}/tags.xml", {"apikey": keys[1]}).content)
    assert [[(field.tag, field.text) for field in tag] for tag in root.find("tags")] == [
        [("id", tag_id(vip)), ("name", "VIP")],
        [("id", tag_id(support)), ("name", "Support")],
    ]
    assert [tag.tag for tag in root.find("tags")] == ["tag", "tag"]
    body = envelope(la.get(f"{API}/tags.yaml", {"apikey": keys[1]}))
    assert body["tags"][0] == {"id": tag_id(vip), "name": "VIP"}


def test_an_empty_list(la, keys):
    assert envelope(la.get(f"{API}/tags", {"apikey": keys[0]})) == {"tags": []}
    root = ET.fromstring(la.get(f"{API}/tags.xml", {"apikey": keys[0]}).content)
    assert root.find("tags") is not None and len(root.find("tags")) == 0


def test_the_list_runs_as_many_queries_for_many_tags_as_for_one(la, keys, mailbox):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert la.get(f"{API}/tags", {"apikey": keys[1]}).status_code == 200
        return len(captured)

    conversation = ConversationFactory(mailbox=mailbox)
    conversation_tag_add(conversation=conversation, name="first")
    queries()  # the key's first use is recorded once
    one = queries()
    for n in range(12):
        conversation_tag_add(conversation=conversation, name=f"tag {n}")
    assert len(envelope(la.get(f"{API}/tags", {"apikey": keys[1]}))["tags"]) == 13
    assert queries() == one


# --- #64 GET /tags/{tagid} ----------------------------------------------------------------------------------


def test_one_tag_as_the_seed_shows_it(la, keys, seed_tags):
    vip, support, _ = seed_tags
    response = la.get(f"{API}/tags/{tag_id(vip)}?&apikey={keys[0]}")
    assert response.json() == {"response": {"id": tag_id(vip), "name": "VIP", "color": "FFFFFF", "bg_color": "0000FF"}}
    root = ET.fromstring(la.get(f"{API}/tags/{tag_id(vip)}.xml", {"apikey": keys[1]}).content)
    assert [(child.tag, child.text) for child in root] == [
        ("id", tag_id(vip)),
        ("name", "VIP"),
        ("color", "FFFFFF"),
        ("bg_color", "0000FF"),
    ]
    # Colours never set are empty.
    body = envelope(la.get(f"{API}/tags/{tag_id(support)}.yaml", {"apikey": keys[1]}))
    assert body == {"id": tag_id(support), "name": "Support", "color": "", "bg_color": ""}


def test_a_tag_out_of_reach_or_unknown_is_not_found(la, keys, seed_tags):
    hidden = seed_tags[2]
    admin_key, agent_key = keys
    assert la.get(f"{API}/tags/{tag_id(hidden)}", {"apikey": admin_key}).status_code == 200
    assert_error(la.get(f"{API}/tags/{tag_id(hidden)}", {"apikey": agent_key}), 404)
    for unknown in [id_encode(Kind.TAG, 999_999), id_encode(Kind.DEPARTMENT, hidden.pk), "nope", str(hidden.pk)]:
        assert_error(la.get(f"{API}/tags/{unknown}.xml", {"apikey": admin_key}), 404, "xml")


# --- #65 POST /tags -----------------------------------------------------------------------------------------


def test_create_answers_as_the_seed_shows_with_statuscode_as_text(la, keys):
    response = la.post(f"{API}/tags", {"apikey": keys[0], "name": "VIP", "color": "ffffff", "bg_color": "0000FF"})
    tag = Tag.objects.get()
    assert response.status_code == 200
    assert response.json() == {
        "response": {
            "status": "OK",
            "statuscode": "0",
            "id": tag_id(tag),
            "name": "VIP",
            "color": "FFFFFF",
            "bg_color": "0000FF",
        }
    }
    # Stored as typed (the FreeScout API lower-cases), colours as our text and background colours.
    assert (tag.name, tag.text_color, tag.background_color) == ("VIP", "FFFFFF", "0000FF")


def test_create_in_xml_and_without_colours(la, keys):
    response = la.post(f"{API}/tags.xml", {"apikey": keys[0], "name": "  Needs   reply "})
    tag = Tag.objects.get()
    assert [(child.tag, child.text) for child in ET.fromstring(response.content)] == [
        ("status", "OK"),
        ("statuscode", "0"),
        ("id", tag_id(tag)),
        ("name", "Needs reply"),
        ("color", None),
        ("bg_color", None),
    ]
    body = envelope(la.post(f"{API}/tags.yaml", {"apikey": keys[0], "name": "Other"}))
    assert body["statuscode"] == "0"


def test_a_created_tag_is_the_freescout_apis_too(la, keys, admin_api):
    la.post(f"{API}/tags", {"apikey": keys[0], "name": "VIP"})
    listed = admin_api.get("/api/tags").json()["_embedded"]["tags"]
    assert [tag["name"] for tag in listed] == ["VIP"]


@pytest.mark.parametrize(
    ("data", "parameter"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "vip"}, "name"),  # a duplicate, whatever the case
        ({"name": "New", "color": "#FFFFFF"}, "color"),
        ({"name": "New", "color": "FFF"}, "color"),
        ({"name": "New", "bg_color": "blue"}, "bg_color"),
        ({"name": "New", "color": "FFFFFF", "bg_color": "GGGGGG"}, "bg_color"),
    ],
)
def test_bad_input_to_create_is_a_400_naming_the_parameter(la, keys, data, parameter):
    tag_create(name="VIP", keep_case=True)
    body = assert_error(la.post(f"{API}/tags", {"apikey": keys[0], **data}), 400)
    assert body["debugmessage"] == parameter
    assert list(Tag.objects.values_list("name", flat=True)) == ["VIP"]


def test_only_an_admin_key_creates_tags(la, keys):
    assert_error(la.post(f"{API}/tags", {"apikey": keys[1], "name": "VIP"}), 403)
    assert_error(la.post(f"{API}/tags.xml", {"name": "VIP"}), 401, "xml")
    assert not Tag.objects.exists()


# --- #66 PUT /tags/{tagid} ----------------------------------------------------------------------------------


def test_change_name_and_colours(la, keys, seed_tags):
    vip = seed_tags[0]
    response = put(la, f"{API}/tags/{tag_id(vip)}", {"apikey": keys[0], "name": "Gold", "color": "000000"})
    assert response.json() == {"response": {"status": "OK", "statuscode": 0}}
    vip.refresh_from_db()
    assert (vip.name, vip.text_color, vip.background_color) == ("Gold", "000000", "0000FF")
    # Only what is given changes; an empty colour clears it; a change of case is no duplicate of itself.
    put(la, f"{API}/tags/{tag_id(vip)}.xml", {"apikey": keys[0], "bg_color": "", "name": "GOLD"})
    vip.refresh_from_db()
    assert (vip.name, vip.text_color, vip.background_color) == ("GOLD", "000000", "")
    body = envelope(put(la, f"{API}/tags/{tag_id(vip)}.yaml", {"apikey": keys[0]}))
    assert body == {"status": "OK", "statuscode": 0}


@pytest.mark.parametrize(
    ("data", "parameter"),
    [
        ({"name": "support"}, "name"),
        ({"name": ""}, "name"),
        ({"color": "red"}, "color"),
        ({"name": "Fine", "bg_color": "12345"}, "bg_color"),
    ],
)
def test_bad_input_to_change_is_a_400_and_changes_nothing(la, keys, seed_tags, data, parameter):
    vip = seed_tags[0]
    body = assert_error(put(la, f"{API}/tags/{tag_id(vip)}", {"apikey": keys[0], **data}), 400)
    assert body["debugmessage"] == parameter
    vip.refresh_from_db()
    assert (vip.name, vip.text_color, vip.background_color) == ("VIP", "FFFFFF", "0000FF")


def test_only_an_admin_key_changes_tags(la, keys, seed_tags):
    vip = seed_tags[0]
    assert_error(put(la, f"{API}/tags/{tag_id(vip)}", {"apikey": keys[1], "name": "Gold"}), 403)
    assert_error(put(la, f"{API}/tags/{tag_id(vip)}", {"name": "Gold"}), 401)
    assert_error(put(la, f"{API}/tags/{id_encode(Kind.TAG, 999_999)}", {"apikey": keys[0], "name": "Gold"}), 404)
    vip.refresh_from_db()
    assert vip.name == "VIP"


# --- #62 DELETE /tags/{tagid} -------------------------------------------------------------------------------


def test_delete_takes_the_tag_off_every_conversation(la, keys, seed_tags, hook):
    vip = seed_tags[0]
    WebhookEvent.objects.all().delete()
    response = delete(la, f"{API}/tags/{tag_id(vip)}.xml", {"apikey": keys[0]})
    assert [(child.tag, child.text) for child in ET.fromstring(response.content)] == [
        ("status", "OK"),
        ("statuscode", "0"),
    ]
    assert not Tag.objects.filter(pk=vip.pk).exists()
    assert not ConversationTag.objects.filter(tag_id=vip.pk).exists()
    # The FreeScout side has no tag event: none fires here either.
    assert not WebhookEvent.objects.exists()
    assert_error(delete(la, f"{API}/tags/{tag_id(vip)}", {"apikey": keys[0]}), 404)


def test_only_an_admin_key_deletes_tags(la, keys, seed_tags):
    support = seed_tags[1]
    assert_error(delete(la, f"{API}/tags/{tag_id(support)}", {"apikey": keys[1]}), 403)
    assert_error(delete(la, f"{API}/tags/{tag_id(support)}.yaml", {}), 401, "yaml")
    assert Tag.objects.filter(pk=support.pk).exists()


def test_the_apikey_may_travel_as_a_header_on_writes(la, keys):
    response = la.post(f"{API}/tags", {"name": "VIP"}, headers={"apikey": keys[0]})
    assert response.json()["response"]["name"] == "VIP"


def test_a_revoked_key_is_a_400_and_writes_nothing(la, admin):
    api_key, raw = api_key_create(user=admin)
    api_key_revoke(api_key=api_key)
    assert_error(la.post(f"{API}/tags", {"apikey": raw, "name": "VIP"}), 400)
    assert_error(la.get(f"{API}/tags.xml", {"apikey": raw}), 400, "xml")
    assert not Tag.objects.exists()
