"""The complete composer (issue 19, item 3) without a browser: To/Cc/Bcc on the reply form (validated,
stored on the thread, in the email's headers and envelope, shown by both APIs), the rich editor's HTML
sanitised, drafts keeping the HTML and the recipients, and Forward (service, email, HTTP errors and who may)."""

import email
from email import policy

import pytest
from django.core.exceptions import ValidationError

from conversations.models import Attachment, Conversation, OutgoingEmail, Thread
from conversations.services import NewAttachment, NewThread, conversation_forward, thread_draft_save
from helpdesk.permissions import AGENT_PERMISSIONS
from liveagent.ids import Kind, id_encode
from mailboxes.services import mailbox_user_grant
from tests.admin_helpers import admin_url, messages_text
from tests.factories import ConversationFactory, CustomerFactory, MailboxFactory
from tests.liveagent.helpers import envelope
from webhooks.models import Event, WebhookEvent


@pytest.fixture
def conversation(mailbox, agent, media_root):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    mailbox.signature = "<p>The Support team</p>"
    mailbox.save(update_fields=["signature"])
    conversation = ConversationFactory(
        mailbox=mailbox,
        subject="Printer on fire",
        customer=CustomerFactory(first_name="Carla", last_name="Customer", emails=[("carla@example.org", "work")]),
        threads=[
            NewThread(
                type=Thread.Type.CUSTOMER,
                body="<p>Smoke from <b>tray 2</b></p>",
                attachments=[
                    NewAttachment(file_name="photo.jpg", content=b"\xff\xd8jpeg", mime_type="image/jpeg"),
                    NewAttachment(file_name="log.txt", content=b"error 42", mime_type="text/plain"),
                ],
            )
        ],
    )
    # As email ingestion keeps the Cc of the customer's message.
    Conversation.objects.filter(pk=conversation.pk).update(cc=["boss@example.org"])
    conversation.refresh_from_db()
    return conversation


def page_url(conversation: Conversation) -> str:
    return admin_url(Conversation, "change", conversation.pk)


def forward_url(conversation: Conversation, thread: Thread | None = None) -> str:
    return admin_url(Conversation, "forward", conversation.pk) + (f"?thread={thread.pk}" if thread else "")


def sent(row: OutgoingEmail) -> email.message.EmailMessage:
    return email.message_from_bytes(bytes(row.message), policy=policy.default)


def reply(client, conversation, **data):
    return client.post(page_url(conversation), {"op": "reply", "type": "message", "text": "On it.", **data})


# --- To, Cc and Bcc on the reply form


def test_the_composer_opens_with_the_customer_in_to_and_the_conversations_cc(agent_client, conversation):
    content = agent_client.get(page_url(conversation)).content.decode()
    assert 'name="to" value="carla@example.org"' in content
    assert 'name="cc" value="boss@example.org"' in content
    assert 'name="bcc"' in content
    # The signature shows under the editor, as it is sent.
    assert '<div class="hd-signature" id="hd-signature"><p>The Support team</p></div>' in content


def test_a_reply_stores_its_recipients_and_the_email_carries_them(agent_client, conversation, hook):
    response = reply(
        agent_client,
        conversation,
        to="Carla <carla@example.org>, second@example.org",
        cc="boss@example.org; audit@example.org",
        bcc="archive@example.org",
    )
    assert response.status_code == 302, messages_text(response)
    thread = conversation.threads.get(type=Thread.Type.MESSAGE)
    assert (thread.to, thread.cc, thread.bcc) == (
        ["carla@example.org", "second@example.org"],
        ["boss@example.org", "audit@example.org"],
        ["archive@example.org"],
    )
    row = OutgoingEmail.objects.get(thread=thread)
    message = sent(row)
    assert message["To"] == "carla@example.org, second@example.org"
    assert message["Cc"] == "boss@example.org, audit@example.org"
    assert message["Bcc"] is None  # Bcc is the envelope's only
    assert row.recipients == [
        "carla@example.org",
        "second@example.org",
        "boss@example.org",
        "audit@example.org",
        "archive@example.org",
    ]
    assert "The Support team" in message.get_body(("html",)).get_content()
    assert WebhookEvent.objects.filter(name=Event.CONVO_AGENT_REPLY_CREATED).count() == 1


@pytest.mark.parametrize("field", ["to", "cc", "bcc"])
def test_a_bad_address_is_refused_with_a_clear_error_and_nothing_written(agent_client, conversation, field):
    response = reply(agent_client, conversation, **{field: "carla@example.org, not-an-address"})
    assert response.status_code == 400
    assert "not-an-address is not a valid email address." in response.content.decode()
    assert not conversation.threads.filter(type=Thread.Type.MESSAGE).exists()
    assert not OutgoingEmail.objects.exists()


def test_a_note_has_no_recipients(agent_client, conversation):
    response = reply(agent_client, conversation, type="note", to="carla@example.org", cc="boss@example.org")
    assert response.status_code == 302
    note = conversation.threads.get(type=Thread.Type.NOTE)
    assert (note.to, note.cc, note.bcc) == ([], [], [])
    assert not OutgoingEmail.objects.filter(thread=note).exists()


def test_the_rich_editors_html_is_sanitised(agent_client, conversation):
    html = (
        '<p><b>Bold</b> <i>italic</i> <a href="https://example.org/x" onclick="steal()">link</a></p>'
        "<ul><li>one</li></ul><ol><li>two</li></ol><blockquote>quoted</blockquote><p><code>a &lt; b</code></p>"
        '<script>alert(1)</script><img src="x" onerror="alert(2)"><p style="color:red">styled</p>'
    )
    assert reply(agent_client, conversation, html=html, text="Bold italic link").status_code == 302
    body = conversation.threads.get(type=Thread.Type.MESSAGE).body
    for kept in (
        "<b>Bold</b>",
        "<i>italic</i>",
        "<ul><li>one</li></ul>",
        "<ol><li>two</li></ol>",
        "<blockquote>quoted</blockquote>",
        "<code>a &lt; b</code>",
        '<a href="https://example.org/x" rel="noopener noreferrer">link</a>',
    ):
        assert kept in body, kept
    for gone in ("script", "onclick", "onerror", "alert", "style="):
        assert gone not in body, gone


def test_without_javascript_the_text_is_the_body(agent_client, conversation):
    assert reply(agent_client, conversation, text="Line one\n\n<b>not bold</b>", html="").status_code == 302
    body = conversation.threads.get(type=Thread.Type.MESSAGE).body
    assert body == "<p>Line one</p>\n\n<p>&lt;b&gt;not bold&lt;/b&gt;</p>"


def test_both_apis_show_the_recipients(agent_client, conversation, admin_api, admin_key, client):
    reply(agent_client, conversation, to="carla@example.org", cc="boss@example.org", bcc="archive@example.org")
    thread = conversation.threads.get(type=Thread.Type.MESSAGE)
    body = admin_api.get(f"/api/conversations/{conversation.pk}?embed=threads").json()
    [shown] = [t for t in body["_embedded"]["threads"] if t["id"] == thread.pk]
    assert (shown["to"], shown["cc"], shown["bcc"]) == (
        ["carla@example.org"],
        ["boss@example.org"],
        ["archive@example.org"],
    )
    response = client.get(
        f"/liveagent/api/conversations/{id_encode(Kind.CONVERSATION, conversation.pk)}/messages",
        {"apikey": admin_key},
    )
    [group] = [
        g for g in envelope(response)["groups"] if g["messagegroupid"] == id_encode(Kind.MESSAGE_GROUP, thread.pk)
    ]
    headers = [m["message"] for m in group["messages"] if m["rtype"] == "H"]
    assert headers == ["To: carla@example.org\nCc: boss@example.org\nBcc: archive@example.org"]


# --- drafts


def test_a_draft_keeps_the_rich_text_and_the_recipients(agent_client, conversation, agent):
    url = admin_url(Conversation, "draft", conversation.pk)
    response = agent_client.post(
        url,
        {
            "type": "message",
            "text": "Unplug it",
            "html": "<p><b>Unplug</b> it</p>",
            "to": "carla@example.org",
            "cc": "boss@example.org, half-typed@",
            "bcc": "archive@example.org",
        },
    )
    assert response.status_code == 200
    draft = conversation.threads.get(state=Thread.State.DRAFT)
    # An address still being typed is left out, not refused: the text is saved all the same.
    assert (draft.body, draft.to, draft.cc, draft.bcc) == (
        "<p><b>Unplug</b> it</p>",
        ["carla@example.org"],
        ["boss@example.org"],
        ["archive@example.org"],
    )
    content = agent_client.get(page_url(conversation)).content.decode()
    assert 'name="html" value="&lt;p&gt;&lt;b&gt;Unplug&lt;/b&gt; it&lt;/p&gt;"' in content
    assert 'name="bcc" value="archive@example.org"' in content


def test_the_draft_service_refuses_a_bad_address(conversation, agent):
    with pytest.raises(ValidationError) as caught:
        thread_draft_save(conversation=conversation, user=agent, type="message", body="<p>x</p>", cc=["nope"])
    assert caught.value.message_dict == {"cc": ["'nope' is not a valid email address."]}
    assert not conversation.threads.filter(state=Thread.State.DRAFT).exists()


# --- Forward: the service


def files_of(conversation: Conversation) -> dict[str, Attachment]:
    return {a.file_name: a for a in Attachment.objects.filter(thread__conversation=conversation)}


def test_a_forward_is_a_note_with_the_chosen_files_and_its_email_in_the_outbox(conversation, agent, hook):
    customer_thread = conversation.threads.get(type=Thread.Type.CUSTOMER)
    log = files_of(conversation)["log.txt"]
    forward = conversation_forward(
        conversation=conversation,
        by_user=agent,
        to=["Supplier@Example.com"],
        cc=["boss@example.org", "supplier@example.com"],
        note="<p>Can you <b>check</b> this?</p>",
        thread_id=customer_thread.pk,
        attachment_ids=[log.pk],
    )
    assert (forward.type, forward.state, forward.created_by_user) == ("note", "published", agent)
    assert (forward.to, forward.cc) == (["supplier@example.com"], ["boss@example.org"])
    assert forward.action_data == {"subtype": "forward", "thread_id": customer_thread.pk}
    assert "<p>Can you <b>check</b> this?</p>" in forward.body
    assert "<blockquote><p>Smoke from <b>tray 2</b></p></blockquote>" in forward.body
    assert [a.file_name for a in forward.attachments.all()] == ["log.txt"]
    assert forward.attachments.get().pk != log.pk  # a copy: the customer's file stays on its thread

    row = OutgoingEmail.objects.get(thread=forward)
    assert (row.kind, row.recipients, row.status) == ("reply", ["supplier@example.com", "boss@example.org"], "pending")
    message = sent(row)
    assert (message["To"], message["Cc"]) == ("supplier@example.com", "boss@example.org")
    assert message["Subject"] == "Fwd: Printer on fire"
    assert message["In-Reply-To"] is None
    html = message.get_body(("html",)).get_content()
    assert "---------- Forwarded message ----------" in html and "Smoke from <b>tray 2</b>" in html
    assert "The Support team" in html
    attached = [(part.get_filename(), part.get_content()) for part in message.iter_attachments()]
    assert attached == [("log.txt", "error 42")]
    forward.refresh_from_db()
    assert forward.send_status == "pending" and row.message_id == forward.message_id
    # Webhooks follow as for any note: one convo.note.created.
    assert WebhookEvent.objects.filter(name=Event.CONVO_NOTE_CREATED).count() == 1


def test_forwarding_the_conversation_quotes_every_message(conversation, agent):
    conversation_forward(conversation=conversation, by_user=agent, to=["a@example.com"])
    forward = conversation.threads.get(type=Thread.Type.NOTE)
    assert forward.action_data == {"subtype": "forward", "thread_id": None}
    assert forward.body.count("---------- Forwarded message ----------") == 1
    assert not forward.attachments.exists()


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"to": []}, {"to": ["Forward to at least one address."]}),
        ({"to": ["nope"]}, {"to": ["'nope' is not a valid email address."]}),
        ({"to": ["a@example.com"], "cc": ["x@"]}, {"cc": ["'x@' is not a valid email address."]}),
        (
            {"to": ["a@example.com"], "thread_id": 0},
            {"thread": ["Only a published message of this conversation can be forwarded."]},
        ),
    ],
)
def test_the_forward_service_refuses_bad_input_and_writes_nothing(conversation, agent, arguments, error):
    with pytest.raises(ValidationError) as caught:
        conversation_forward(conversation=conversation, by_user=agent, **arguments)
    assert caught.value.message_dict == error
    assert not conversation.threads.filter(type=Thread.Type.NOTE).exists()
    assert not OutgoingEmail.objects.exists()


def test_another_conversations_file_cannot_go_along(conversation, agent, mailbox):
    other = ConversationFactory(
        mailbox=mailbox,
        threads=[
            NewThread(
                type=Thread.Type.CUSTOMER, body="x", attachments=[NewAttachment(file_name="secret.txt", content=b"s")]
            )
        ],
    )
    secret = files_of(other)["secret.txt"]
    with pytest.raises(ValidationError) as caught:
        conversation_forward(conversation=conversation, by_user=agent, to=["a@example.com"], attachment_ids=[secret.pk])
    assert caught.value.message_dict == {"attachments": [f"No attachment {secret.pk} in this conversation."]}
    assert not OutgoingEmail.objects.exists()


# --- Forward: over HTTP


def test_the_forward_form_offers_the_conversations_files(agent_client, conversation):
    customer_thread = conversation.threads.get(type=Thread.Type.CUSTOMER)
    response = agent_client.get(forward_url(conversation, customer_thread))
    assert response.status_code == 200
    content = response.content.decode()
    files = files_of(conversation)
    for name in ("photo.jpg", "log.txt"):
        assert f'value="{files[name].pk}"' in content and name in content
    page = agent_client.get(page_url(conversation)).content.decode()
    assert forward_url(conversation) in page and forward_url(conversation, customer_thread).replace("?", "?") in page


def test_forwarding_over_http(agent_client, conversation, hook):
    photo = files_of(conversation)["photo.jpg"]
    response = agent_client.post(
        forward_url(conversation),
        {"to": "supplier@example.com", "cc": "boss@example.org", "text": "Please look", "attachments": [photo.pk]},
    )
    assert response.status_code == 302
    forward = conversation.threads.get(type=Thread.Type.NOTE)
    assert response["Location"] == f"{page_url(conversation)}#thread-{forward.pk}"
    assert messages_text(response) == "Forwarded to supplier@example.com, boss@example.org."
    assert [a.file_name for a in forward.attachments.all()] == ["photo.jpg"]
    assert forward.body.startswith("<p>Please look</p>")
    assert OutgoingEmail.objects.filter(thread=forward).count() == 1
    # The timeline names it a forward, with its recipients.
    page = agent_client.get(page_url(conversation)).content.decode()
    assert '<span class="hd-kind">Forward</span>' in page
    assert "To: supplier@example.com Cc: boss@example.org" in page


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"to": ""}, "This field is required."),
        ({"to": "supplier@example.com, oops"}, "oops is not a valid email address."),
        ({"to": "supplier@example.com", "cc": "@x"}, "@x is not a valid email address."),
        ({"to": "supplier@example.com", "attachments": ["999999"]}, "Select a valid choice."),
    ],
)
def test_forward_errors_come_back_on_the_form(agent_client, conversation, data, error):
    response = agent_client.post(forward_url(conversation), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not conversation.threads.filter(type=Thread.Type.NOTE).exists()
    assert not OutgoingEmail.objects.exists()


def test_who_may_forward(client, agent_client, conversation, monkeypatch):
    elsewhere = ConversationFactory(mailbox=MailboxFactory(name="Sales", email="sales@example.com"))
    data = {"to": "supplier@example.com"}
    # A conversation of a mailbox the agent cannot open is as one that does not exist.
    assert agent_client.get(forward_url(elsewhere)).status_code == 404
    assert agent_client.post(forward_url(elsewhere), data).status_code == 404
    assert agent_client.get("/admin/conversations/conversation/x/forward/").status_code == 404
    assert agent_client.get(forward_url(conversation) + "?thread=0").status_code == 404
    note = conversation.threads.create(type=Thread.Type.NOTE, body="internal", source_via="user")
    assert agent_client.get(forward_url(conversation, note)).status_code == 404
    assert agent_client.put(forward_url(conversation), data).status_code == 405

    # Were agents' role to read conversations only: 403.
    with monkeypatch.context() as patch:
        patch.setitem(AGENT_PERMISSIONS, "conversations.conversation", frozenset({"view"}))
        assert agent_client.get(forward_url(conversation)).status_code == 403
        assert agent_client.post(forward_url(conversation), data).status_code == 403
    agent_client.logout()

    # Signed out: the login page.
    response = client.post(forward_url(conversation), data)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not OutgoingEmail.objects.exists()
