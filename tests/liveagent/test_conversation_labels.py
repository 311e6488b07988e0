"""#14 to #16 a conversation's tags and #7/#8 its custom field values: any key that sees the conversation may
change them; tags by id (visible, else 404) or by name (created when unknown); values accumulate."""

import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations.models import Conversation, ConversationTag, CustomFieldValue, Tag
from conversations.services.labels import conversation_tag_add, tag_create
from liveagent.ids import Kind, id_encode
from mailboxes.models import CustomField
from tests.factories import ConversationFactory, CustomerFactory, CustomFieldFactory, MailboxFactory
from tests.liveagent.helpers import assert_error, envelope
from webhooks.models import WebhookEvent

API = "/liveagent/api"
FORM = "application/x-www-form-urlencoded"
OK = {"status": "OK", "statuscode": 0}


@pytest.fixture
def conversation(mailbox, hook):
    """A conversation in the agent's mailbox; a webhook listens to every event (none recorded yet)."""
    made = ConversationFactory(mailbox=mailbox, customer=CustomerFactory())
    WebhookEvent.objects.all().delete()
    return made


@pytest.fixture
def hidden(db):
    """A conversation in a mailbox the agent cannot access."""
    return ConversationFactory(mailbox=MailboxFactory())


def cid(conversation: Conversation) -> str:
    return id_encode(Kind.CONVERSATION, conversation.pk)


def tag_id(tag: Tag) -> str:
    return id_encode(Kind.TAG, tag.pk)


def tags_url(conversation: Conversation, suffix: str = "") -> str:
    return f"{API}/conversations/{cid(conversation)}/tags{suffix}"


def fields_url(conversation: Conversation, suffix: str = "") -> str:
    return f"{API}/conversations/{cid(conversation)}/fields{suffix}"


def delete(la, path: str, data: dict):
    """DELETE bodies are urlencoded, as the seed's http_build_query makes them."""
    return la.delete(path, urlencode(data), content_type=FORM)


def tags_on(conversation: Conversation) -> list[str]:
    rows = ConversationTag.objects.filter(conversation=conversation).order_by("id")
    return list(rows.values_list("tag__name", flat=True))


# --- #15 GET /conversations/{conversationid}/tags -----------------------------------------------------------


def test_tags_of_a_conversation_as_the_seed_shows_them(la, keys, conversation):
    vip = tag_create(name="VIP", keep_case=True)
    support = tag_create(name="Support", keep_case=True)
    tag_create(name="Unused", keep_case=True)
    conversation_tag_add(conversation=conversation, tag=vip)
    conversation_tag_add(conversation=conversation, tag=support)
    expected = {"tags": [{"id": tag_id(vip), "name": "VIP"}, {"id": tag_id(support), "name": "Support"}]}
    for key in keys:
        response = la.get(f"{tags_url(conversation)}?&apikey={key}")
        assert response.json() == {"response": expected}
    root = ET.fromstring(la.get(tags_url(conversation, ".xml"), {"apikey": keys[1]}).content)
    assert [[(field.tag, field.text) for field in tag] for tag in root.find("tags")] == [
        [("id", tag_id(vip)), ("name", "VIP")],
        [("id", tag_id(support)), ("name", "Support")],
    ]
    assert [tag.tag for tag in root.find("tags")] == ["tag", "tag"]
    assert envelope(la.get(tags_url(conversation, ".yaml"), {"apikey": keys[1]})) == expected


def test_a_conversation_is_found_by_code_and_public_url_code(la, keys, conversation):
    conversation_tag_add(conversation=conversation, name="vip")
    for reference in (conversation.code, conversation.code.lower(), conversation.public_url_code):
        body = envelope(la.get(f"{API}/conversations/{reference}/tags", {"apikey": keys[1]}))
        assert [tag["name"] for tag in body["tags"]] == ["vip"]


def test_tags_of_a_conversation_run_as_many_queries_for_many_as_for_one(la, keys, conversation):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert la.get(tags_url(conversation), {"apikey": keys[1]}).status_code == 200
        return len(captured)

    conversation_tag_add(conversation=conversation, name="first")
    queries()  # the key's first use is recorded once
    one = queries()
    for n in range(10):
        conversation_tag_add(conversation=conversation, name=f"tag {n}")
    assert len(envelope(la.get(tags_url(conversation), {"apikey": keys[1]}))["tags"]) == 11
    assert queries() == one


def test_a_conversation_out_of_reach_or_unknown_is_not_found(la, keys, conversation, hidden):
    admin_key, agent_key = keys
    assert la.get(tags_url(hidden), {"apikey": admin_key}).status_code == 200
    assert_error(la.get(tags_url(hidden), {"apikey": agent_key}), 404)
    assert_error(la.post(tags_url(hidden), {"apikey": agent_key, "name": "vip"}), 404)
    assert_error(delete(la, tags_url(hidden), {"apikey": agent_key, "name": "vip"}), 404)
    for unknown in [id_encode(Kind.CONVERSATION, 999_999), id_encode(Kind.TAG, conversation.pk), "nope"]:
        assert_error(la.get(f"{API}/conversations/{unknown}/tags.xml", {"apikey": admin_key}), 404, "xml")
    assert not Tag.objects.exists()


def test_tags_of_a_conversation_need_a_key(la, conversation):
    assert_error(la.get(tags_url(conversation)), 401)
    assert_error(la.post(tags_url(conversation), {"name": "vip"}), 401)
    assert_error(delete(la, tags_url(conversation, ".xml"), {"name": "vip"}), 401, "xml")


# --- #16 POST /conversations/{conversationid}/tags ----------------------------------------------------------


def test_assign_by_id(la, keys, conversation):
    vip = tag_create(name="VIP", keep_case=True)
    response = la.post(tags_url(conversation), {"apikey": keys[0], "id": tag_id(vip)})
    assert response.json() == {"response": OK}
    assert tags_on(conversation) == ["VIP"]
    # Assigning it again answers OK and changes nothing; id wins over name.
    response = la.post(tags_url(conversation, ".xml"), {"apikey": keys[1], "id": tag_id(vip), "name": "Other"})
    assert [(child.tag, child.text) for child in ET.fromstring(response.content)] == [
        ("status", "OK"),
        ("statuscode", "0"),
    ]
    assert tags_on(conversation) == ["VIP"]
    assert list(Tag.objects.values_list("name", flat=True)) == ["VIP"]


def test_assign_by_name_finds_any_case_or_creates_the_tag_as_typed(la, keys, conversation):
    tag_create(name="vip")  # as the FreeScout API stores names
    assert envelope(la.post(tags_url(conversation, ".yaml"), {"apikey": keys[1], "name": " VIP "})) == OK
    assert envelope(la.post(tags_url(conversation), {"apikey": keys[1], "name": "Billing  Issue"})) == OK
    assert envelope(la.post(tags_url(conversation), {"apikey": keys[1], "name": "billing issue"})) == OK
    assert tags_on(conversation) == ["vip", "Billing Issue"]
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Billing Issue", "vip"]


def test_a_tag_id_out_of_reach_or_unknown_is_not_found(la, keys, conversation, hidden):
    elsewhere = tag_create(name="Elsewhere", keep_case=True)
    conversation_tag_add(conversation=hidden, tag=elsewhere)
    admin_key, agent_key = keys
    assert_error(la.post(tags_url(conversation), {"apikey": agent_key, "id": tag_id(elsewhere)}), 404)
    assert_error(delete(la, tags_url(conversation), {"apikey": agent_key, "id": tag_id(elsewhere)}), 404)
    for unknown in [id_encode(Kind.TAG, 999_999), cid(conversation), "nope"]:
        assert_error(la.post(tags_url(conversation), {"apikey": admin_key, "id": unknown}), 404)
        assert_error(delete(la, tags_url(conversation), {"apikey": admin_key, "id": unknown}), 404)
    assert tags_on(conversation) == []
    # The admin's key sees every tag.
    assert la.post(tags_url(conversation), {"apikey": admin_key, "id": tag_id(elsewhere)}).status_code == 200
    assert tags_on(conversation) == ["Elsewhere"]


@pytest.mark.parametrize("data", [{}, {"id": ""}, {"name": "  "}, {"id": " ", "name": ""}])
def test_neither_id_nor_name_is_a_400(la, keys, conversation, data):
    body = assert_error(la.post(tags_url(conversation), {"apikey": keys[1], **data}), 400)
    assert body["debugmessage"] == "id"
    body = assert_error(delete(la, tags_url(conversation), {"apikey": keys[1], **data}), 400)
    assert body["debugmessage"] == "id"
    assert not Tag.objects.exists()


def test_tag_changes_fire_no_webhook_and_leave_the_conversation_as_it_was(la, keys, conversation):
    """The FreeScout side has no tag event and does not touch updated_at for tags: neither does v1."""
    updated_at = conversation.updated_at
    la.post(tags_url(conversation), {"apikey": keys[1], "name": "vip"})
    delete(la, tags_url(conversation), {"apikey": keys[1], "name": "vip"})
    assert not WebhookEvent.objects.exists()
    conversation.refresh_from_db()
    assert conversation.updated_at == updated_at


def test_tags_cross_the_dialects(la, keys, conversation, admin_api):
    la.post(tags_url(conversation), {"apikey": keys[1], "name": "VIP"})
    freescout = admin_api.get(f"/api/conversations/{conversation.pk}?embed=tags").json()
    assert [tag["name"] for tag in freescout["_embedded"]["tags"]] == ["VIP"]
    admin_api.put(f"/api/conversations/{conversation.pk}/tags", {"tags": ["VIP", "Refund"]}, format="json")
    body = envelope(la.get(tags_url(conversation), {"apikey": keys[1]}))
    assert [tag["name"] for tag in body["tags"]] == ["VIP", "refund"]


# --- #14 DELETE /conversations/{conversationid}/tags --------------------------------------------------------


def test_unassign_by_id_or_by_name_any_case(la, keys, conversation):
    vip = tag_create(name="VIP", keep_case=True)
    for name in ("VIP", "Support", "Urgent"):
        conversation_tag_add(conversation=conversation, name=name, keep_case=True)
    response = delete(la, tags_url(conversation), {"apikey": keys[1], "id": tag_id(vip)})
    assert response.json() == {"response": OK}
    assert envelope(delete(la, tags_url(conversation, ".yaml"), {"apikey": keys[1], "name": "support"})) == OK
    assert tags_on(conversation) == ["Urgent"]
    # The tags stay, on no conversation.
    assert Tag.objects.count() == 3


def test_removing_a_tag_that_is_not_there_answers_ok(la, keys, conversation):
    unused = tag_create(name="Unused", keep_case=True)
    conversation_tag_add(conversation=conversation, name="Kept", keep_case=True)
    response = delete(la, tags_url(conversation, ".xml"), {"apikey": keys[1], "id": tag_id(unused)})
    assert [(child.tag, child.text) for child in ET.fromstring(response.content)] == [
        ("status", "OK"),
        ("statuscode", "0"),
    ]
    assert envelope(delete(la, tags_url(conversation), {"apikey": keys[1], "name": "Unused"})) == OK
    assert envelope(delete(la, tags_url(conversation), {"apikey": keys[1], "name": "No such tag"})) == OK
    assert tags_on(conversation) == ["Kept"]
    assert not Tag.objects.filter(name="No such tag").exists()


# --- #8 POST /conversations/{conversationid}/fields ---------------------------------------------------------


@pytest.fixture
def fields(mailbox):
    """The seed's two codes, and a number field."""
    return {
        "varsymbol": CustomFieldFactory(mailbox=mailbox, name="Variable symbol", code="varsymbol"),
        "anotherfield": CustomFieldFactory(mailbox=mailbox, name="Another field", code="anotherfield"),
        "amount": CustomFieldFactory(mailbox=mailbox, name="Amount", code="amount", type=CustomField.Type.NUMBER),
    }


def values_of(conversation: Conversation) -> list[tuple[str, str]]:
    rows = CustomFieldValue.objects.filter(conversation=conversation).order_by("id")
    return list(rows.values_list("field__code", "value"))


def test_add_values_as_the_seed_sends_them_and_they_accumulate(la, keys, conversation, fields):
    updated_at = conversation.updated_at
    customfields = '[{"code":"varsymbol","value":"43894209"},{"code":"anotherfield","value":"test value"}]'
    response = la.post(fields_url(conversation), {"apikey": keys[1], "customfields": customfields})
    assert response.json() == {"response": OK}
    assert values_of(conversation) == [("varsymbol", "43894209"), ("anotherfield", "test value")]
    # The same code again adds a value (to change one, delete it first); codes compare in any case; numbers
    # are taken as JSON gives them.
    again = orjson.dumps([{"code": "VarSymbol", "value": "2"}, {"code": "amount", "value": 12.5}]).decode()
    response = la.post(fields_url(conversation, ".xml"), {"apikey": keys[0], "customfields": again})
    assert [(child.tag, child.text) for child in ET.fromstring(response.content)] == [
        ("status", "OK"),
        ("statuscode", "0"),
    ]
    assert values_of(conversation) == [
        ("varsymbol", "43894209"),
        ("anotherfield", "test value"),
        ("varsymbol", "2"),
        ("amount", "12.5"),
    ]
    conversation.refresh_from_db()
    assert conversation.updated_at > updated_at
    # The FreeScout side has no custom field event.
    assert not WebhookEvent.objects.exists()


def test_customfields_may_come_as_a_json_array_in_a_json_body(la, keys, conversation, fields):
    body = {"apikey": keys[1], "customfields": [{"code": "varsymbol", "value": "1"}]}
    response = la.post(fields_url(conversation, ".yaml"), orjson.dumps(body), content_type="application/json")
    assert envelope(response) == OK
    assert values_of(conversation) == [("varsymbol", "1")]


def test_the_freescout_api_shows_the_newest_value(la, keys, conversation, fields, admin_api):
    customfields = '[{"code":"varsymbol","value":"1"},{"code":"varsymbol","value":"2"}]'
    la.post(fields_url(conversation), {"apikey": keys[1], "customfields": customfields})
    freescout = admin_api.get(f"/api/conversations/{conversation.pk}").json()["customFields"]
    assert {field["name"]: field["value"] for field in freescout}["Variable symbol"] == "2"


@pytest.mark.parametrize(
    "customfields",
    [
        None,  # missing
        "",
        "not json",
        '{"code":"varsymbol","value":"1"}',  # not an array
        '["varsymbol"]',
        '[{"value":"1"}]',  # no code
        '[{"code":"varsymbol"}]',  # no value
        '[{"code":12,"value":"1"}]',
        '[{"code":"varsymbol","value":"1"},{"code":"nosuchcode","value":"2"}]',  # unknown code
        '[{"code":"","value":"2"}]',
        '[{"code":"varsymbol","value":"1"},{"code":"amount","value":"twelve"}]',  # does not fit its field
        '[{"code":"varsymbol","value":["a"]}]',
        '[{"code":"varsymbol","value":true}]',
        '[{"code":"varsymbol","value":"two\\nlines"}]',
    ],
)
def test_bad_customfields_are_a_400_naming_it_and_nothing_is_written(la, keys, conversation, fields, customfields):
    data = {"apikey": keys[1]} if customfields is None else {"apikey": keys[1], "customfields": customfields}
    body = assert_error(la.post(fields_url(conversation), data), 400)
    assert body["debugmessage"] == "customfields"
    assert "customfields" in body["errormessage"]
    assert values_of(conversation) == []


def test_a_code_of_another_mailbox_is_unknown_here(la, keys, conversation, fields, hidden):
    CustomFieldFactory(mailbox=hidden.mailbox, name="Elsewhere", code="elsewhere")
    customfields = '[{"code":"elsewhere","value":"1"}]'
    assert_error(la.post(fields_url(conversation), {"apikey": keys[0], "customfields": customfields}), 400)
    assert la.post(fields_url(hidden), {"apikey": keys[0], "customfields": customfields}).status_code == 200


def test_fields_of_a_conversation_out_of_reach_or_unknown_are_not_found(la, keys, fields, hidden):
    CustomFieldFactory(mailbox=hidden.mailbox, name="Elsewhere", code="elsewhere")
    customfields = '[{"code":"elsewhere","value":"1"}]'
    assert_error(la.post(fields_url(hidden), {"apikey": keys[1], "customfields": customfields}), 404)
    assert_error(delete(la, fields_url(hidden), {"apikey": keys[1]}), 404)
    unknown = id_encode(Kind.CONVERSATION, 999_999)
    assert_error(la.post(f"{API}/conversations/{unknown}/fields.xml", {"apikey": keys[0]}), 404, "xml")
    assert_error(la.post(fields_url(hidden), {"customfields": customfields}), 401)
    assert_error(delete(la, fields_url(hidden), {}), 401)
    assert values_of(hidden) == []


# --- #7 DELETE /conversations/{conversationid}/fields -------------------------------------------------------


@pytest.fixture
def filled(la, keys, conversation, fields):
    customfields = orjson.dumps(
        [
            {"code": "varsymbol", "value": "1"},
            {"code": "anotherfield", "value": "a"},
            {"code": "varsymbol", "value": "2"},
        ]
    ).decode()
    la.post(fields_url(conversation), {"apikey": keys[1], "customfields": customfields})
    assert len(values_of(conversation)) == 3
    return conversation


def test_delete_one_fields_values_by_code(la, keys, filled):
    updated_at = Conversation.objects.get(pk=filled.pk).updated_at
    response = delete(la, fields_url(filled), {"apikey": keys[1], "code": "VARSYMBOL"})
    assert response.json() == {"response": OK}
    assert values_of(filled) == [("anotherfield", "a")]
    assert Conversation.objects.get(pk=filled.pk).updated_at > updated_at
    # A field without values: OK.
    assert envelope(delete(la, fields_url(filled, ".yaml"), {"apikey": keys[1], "code": "amount"})) == OK
    assert values_of(filled) == [("anotherfield", "a")]


@pytest.mark.parametrize("data", [{}, {"code": ""}, {"code": "  "}])
def test_delete_without_a_code_deletes_every_value(la, keys, filled, data):
    response = delete(la, fields_url(filled, ".xml"), {"apikey": keys[1], **data})
    assert [(child.tag, child.text) for child in ET.fromstring(response.content)] == [
        ("status", "OK"),
        ("statuscode", "0"),
    ]
    assert values_of(filled) == []


def test_delete_with_an_unknown_code_is_a_400(la, keys, filled, hidden):
    CustomFieldFactory(mailbox=hidden.mailbox, name="Elsewhere", code="elsewhere")
    for code in ("nosuchcode", "elsewhere"):
        body = assert_error(delete(la, fields_url(filled), {"apikey": keys[1], "code": code}), 400)
        assert body["debugmessage"] == "code"
    assert len(values_of(filled)) == 3


def test_an_empty_array_adds_nothing(la, keys, conversation, fields):
    updated_at = conversation.updated_at
    assert envelope(la.post(fields_url(conversation), {"apikey": keys[1], "customfields": "[]"})) == OK
    assert values_of(conversation) == []
    conversation.refresh_from_db()
    assert conversation.updated_at == updated_at
