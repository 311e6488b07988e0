"""Saved replies (issue 19, item 4): the services, the placeholders filled for one conversation, the
composer's endpoint (the conversation's mailbox's replies only, to whoever sees the conversation) and the
admin (admins manage them; agents cannot)."""

import pytest
from django.core.exceptions import ValidationError

from conversations.models import Conversation
from conversations.saved_replies import html_to_text, placeholders_fill
from helpdesk.errors import Conflict
from mailboxes import services as mailboxes_services
from mailboxes.models import SavedReply
from mailboxes.services import mailbox_user_grant, saved_reply_create, saved_reply_delete, saved_reply_update
from tests.admin_helpers import admin_url
from tests.factories import ConversationFactory, CustomerFactory, MailboxFactory, UserFactory

GREETING = "<p>Hi {customer.first_name|there},</p><p>About #{conversation.number}: done.<br>{agent.name}</p>"


@pytest.fixture
def desk(db):
    support = MailboxFactory(name="Support", email="support@example.com")
    sales = MailboxFactory(name="Sales", email="sales@example.com")
    agent = UserFactory(email="alan@example.com", first_name="Alan", last_name="Agent")
    mailbox_user_grant(mailbox=support, user=agent)
    carla = CustomerFactory(first_name="Carla", last_name="Customer")
    conversation = ConversationFactory(mailbox=support, customer=carla, subject="Printer")
    saved_reply_create(mailbox=support, name="Greeting", body=GREETING, sort_order=1)
    saved_reply_create(mailbox=support, name="Apology", body="<p>Sorry, {customer.name}!</p>", sort_order=0)
    saved_reply_create(mailbox=sales, name="Quote", body="<p>Our prices</p>")
    return {"support": support, "sales": sales, "agent": agent, "conversation": conversation}


def replies_url(conversation: Conversation) -> str:
    return admin_url(Conversation, "saved_replies", conversation.pk)


# --- services


def test_create_sanitises_the_body_and_trims_the_name(desk):
    reply = saved_reply_create(
        mailbox=desk["support"], name="  Hostile  ", body='<p onclick="x()">Hi<script>alert(1)</script></p>'
    )
    reply.refresh_from_db()
    assert reply.name == "Hostile"
    assert reply.body == "<p>Hi</p>"


def test_names_are_unique_per_mailbox_case_insensitively(desk):
    with pytest.raises(Conflict) as error:
        saved_reply_create(mailbox=desk["support"], name="greeting", body="x")
    assert "name" in error.value.message_dict
    # Another mailbox may use the name.
    saved_reply_create(mailbox=desk["sales"], name="Greeting", body="x")
    apology = SavedReply.objects.get(name="Apology")
    with pytest.raises(Conflict):
        saved_reply_update(reply=apology, name="GREETING")
    assert SavedReply.objects.filter(mailbox=desk["support"]).count() == 2


def test_a_name_taken_by_a_concurrent_save_is_a_conflict(desk, monkeypatch):
    # The other request's row committed after this one's check: the unique index answers, as a Conflict
    # rather than an IntegrityError (a 500).
    really_taken = mailboxes_services._saved_reply_name_taken
    checks = []

    def first_check_misses(reply: SavedReply) -> bool:
        checks.append(reply)
        return len(checks) % 2 == 0 and really_taken(reply)

    monkeypatch.setattr(mailboxes_services, "_saved_reply_name_taken", first_check_misses)
    with pytest.raises(Conflict) as error:
        saved_reply_create(mailbox=desk["support"], name="GREETING", body="x")
    assert error.value.message_dict == {"name": ["This mailbox already has a saved reply of this name."]}
    with pytest.raises(Conflict):
        saved_reply_update(reply=SavedReply.objects.get(name="Apology"), name="greeting")
    assert sorted(SavedReply.objects.filter(mailbox=desk["support"]).values_list("name", flat=True)) == [
        "Apology",
        "Greeting",
    ]


def test_empty_name_and_unknown_fields_are_refused(desk):
    with pytest.raises(ValidationError):
        saved_reply_create(mailbox=desk["support"], name="  ", body="x")
    with pytest.raises(TypeError):
        saved_reply_update(reply=SavedReply.objects.first(), mailbox=desk["sales"])
    assert SavedReply.objects.count() == 3


def test_update_and_delete(desk):
    reply = SavedReply.objects.get(name="Apology")
    saved_reply_update(reply=reply, body="<p>Sorry again</p><img src=x onerror=alert(1)>", sort_order=5)
    reply.refresh_from_db()
    assert (reply.body, reply.sort_order) == ('<p>Sorry again</p><img src="x">', 5)
    saved_reply_delete(reply=reply)
    assert not SavedReply.objects.filter(name="Apology").exists()


# --- placeholders


def test_placeholders_filled_escaped_unknown_kept_fallback_used():
    values = {"customer.first_name": "<b>Zoë</b>", "agent.name": "Alan Agent", "conversation.number": "12"}
    body = "<p>{customer.first_name}, {agent.name} #{conversation.number} {customer.shoe_size} {nope}</p>"
    assert placeholders_fill(body, values=values) == (
        "<p>&lt;b&gt;Zoë&lt;/b&gt;, Alan Agent #12 {customer.shoe_size} {nope}</p>"
    )
    empty = {"customer.first_name": "  "}
    assert placeholders_fill("Hi {customer.first_name|there}!", values=empty) == "Hi there!"
    assert placeholders_fill("Hi {customer.first_name}!", values=empty) == "Hi !"


def test_html_to_text_keeps_paragraphs_and_breaks():
    assert html_to_text("<p>Hi &amp; bye,</p><p>one<br>two</p><ul><li>a</li><li>b</li></ul>") == (
        "Hi & bye,\n\none\ntwo\n\n- a\n- b"
    )


# --- the composer's endpoint


def test_the_conversations_mailbox_replies_filled_in_order(client, desk):
    client.force_login(desk["agent"])
    conversation = desk["conversation"]
    response = client.get(replies_url(conversation))
    assert response.status_code == 200
    replies = response.json()["replies"]
    # Sales' "Quote" is another mailbox's: not offered.
    assert [reply["name"] for reply in replies] == ["Apology", "Greeting"]
    greeting = replies[1]
    number = conversation.number
    assert greeting["html"] == f"<p>Hi Carla,</p><p>About #{number}: done.<br>Alan Agent</p>"
    assert greeting["text"] == f"Hi Carla,\n\nAbout #{number}: done.\nAlan Agent"
    assert replies[0]["text"] == "Sorry, Carla Customer!"


def test_a_customer_without_a_first_name_gets_the_fallback(client, desk):
    nameless = CustomerFactory(first_name="", last_name="", emails=[("nameless@example.org", "work")])
    conversation = ConversationFactory(mailbox=desk["support"], customer=nameless)
    client.force_login(desk["agent"])
    replies = {reply["name"]: reply for reply in client.get(replies_url(conversation)).json()["replies"]}
    assert replies["Greeting"]["text"].startswith("Hi there,\n")
    assert replies["Apology"]["text"] == "Sorry, !"


def test_another_mailboxs_conversation_is_not_found(client, desk):
    theirs = ConversationFactory(mailbox=desk["sales"])
    client.force_login(desk["agent"])
    assert client.get(replies_url(theirs)).status_code == 404
    assert client.get("/admin/conversations/conversation/x/saved-replies/").status_code == 404
    assert client.post(replies_url(desk["conversation"])).status_code == 405
    client.logout()
    assert client.get(replies_url(desk["conversation"])).status_code == 302


# --- the admin


def test_agents_cannot_manage_saved_replies(client, desk):
    client.force_login(desk["agent"])
    reply = SavedReply.objects.get(name="Greeting")
    assert client.get(admin_url(SavedReply, "changelist")).status_code == 403
    assert client.get(admin_url(SavedReply, "add")).status_code == 403
    add = client.post(admin_url(SavedReply, "add"), {"mailbox": desk["support"].pk, "name": "Mine", "body": "x"})
    assert add.status_code == 403
    assert client.post(admin_url(SavedReply, "change", reply.pk), {"name": "Changed"}).status_code in (302, 403)
    assert client.post(admin_url(SavedReply, "delete", reply.pk), {"post": "yes"}).status_code in (302, 403)
    assert SavedReply.objects.count() == 3
    assert SavedReply.objects.get(pk=reply.pk).name == "Greeting"


def test_admins_list_add_edit_and_delete(admin_client, desk):
    assert "Greeting" in admin_client.get(admin_url(SavedReply, "changelist")).content.decode()
    response = admin_client.post(
        admin_url(SavedReply, "add"),
        {"mailbox": desk["support"].pk, "name": "Refund", "body": "<p>Refunded{script}</p>", "sort_order": 3},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    refund = SavedReply.objects.get(name="Refund")
    assert (refund.mailbox, refund.body, refund.sort_order) == (desk["support"], "<p>Refunded{script}</p>", 3)

    response = admin_client.post(
        admin_url(SavedReply, "change", refund.pk),
        {"name": "Refund done", "body": "<p>Done</p><script>x</script>", "sort_order": 4},
    )
    assert response.status_code == 302
    refund.refresh_from_db()
    assert (refund.name, refund.body, refund.mailbox) == ("Refund done", "<p>Done</p>", desk["support"])

    duplicate = admin_client.post(
        admin_url(SavedReply, "add"), {"mailbox": desk["support"].pk, "name": "greeting", "body": "x", "sort_order": 0}
    )
    assert duplicate.status_code == 200  # the form again, with the error
    assert SavedReply.objects.filter(name__iexact="greeting").count() == 1

    response = admin_client.post(admin_url(SavedReply, "delete", refund.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not SavedReply.objects.filter(pk=refund.pk).exists()
    response = admin_client.post(
        admin_url(SavedReply, "changelist"),
        {"action": "delete_selected_replies", "_selected_action": [r.pk for r in SavedReply.objects.all()]},
    )
    assert response.status_code == 302
    assert not SavedReply.objects.exists()
