"""One conversation's life across every door of the helpdesk: it arrives by email, an agent answers it with
a file through the LiveAgent API v1, the FreeScout API and the admin show the answer, the customer's reply
threads in by email, and v1 resolves it. Each write fires its FreeScout webhook once and sends its email
once; the FreeScout list's exact totals follow. The per-operation files test each dialect's side in detail
(tests/liveagent/test_conversations.py, test_messages.py, test_customers.py, test_conversation_labels.py)."""

import base64

import pytest

from conversations.mail.ingest import mail_ingest
from conversations.models import Conversation, OutgoingEmail
from helpdesk.services import api_key_create
from liveagent.departments import department_id
from mailboxes.services import mailbox_user_grant
from tests.admin_helpers import admin_url
from tests.api_helpers import client_for
from webhooks.models import WebhookEvent

API = "/liveagent/api"


@pytest.fixture
def agent_key(agent, mailbox, media_root):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    return api_key_create(user=agent)[1]


def email(*, subject: str, message_id: str, body: str, in_reply_to: str = "") -> bytes:
    headers = f"From: Jane Doe <jane@customer.example>\r\nTo: support@example.com\r\nSubject: {subject}\r\n"
    headers += f"Message-ID: <{message_id}>\r\n"
    if in_reply_to:
        headers += f"In-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\n"
    return f"{headers}\r\n{body}\r\n".encode()


def events() -> list[str]:
    names = list(WebhookEvent.objects.order_by("created_at").values_list("name", flat=True))
    WebhookEvent.objects.all().delete()
    return names


def v1(la, method: str, path: str, **params: str) -> dict:
    if method == "GET":
        response = la.get(f"{API}/{path}", params)
    elif method == "POST":
        response = la.post(f"{API}/{path}", params)  # multipart, as the seed's PHP examples send it
    else:
        body = "&".join(f"{name}={value}" for name, value in params.items())
        response = la.generic(method, f"{API}/{path}", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200, response.content
    return response.json()["response"]


def freescout_totals(freescout, mailbox) -> dict[str, int]:
    return {
        status: freescout.get(f"/api/conversations?mailboxId={mailbox.pk}&status={status}").json()["page"][
            "totalElements"
        ]
        for status in ("active", "pending", "closed")
    }


def test_email_then_v1_reply_with_a_file_then_freescout_admin_email_and_v1_again(
    la, agent_key, agent, agent_client, mailbox, hook
):
    freescout = client_for(agent)

    # A customer writes in.
    received = mail_ingest(
        mailbox=mailbox, raw=email(subject="Printer on fire", message_id="q1@customer.example", body="Help!")
    )
    assert received is not None and received.thread is not None
    conversation = received.thread.conversation
    assert sorted(events()) == ["convo.created", "customer.created"]

    # v1 lists it as New in its department, found by its code too.
    listed = v1(la, "GET", "conversations", apikey=agent_key, department=department_id(mailbox.pk), status="N")
    assert [(row["code"], row["subject"], row["owneremail"]) for row in listed["conversations"]] == [
        (conversation.code, "Printer on fire", "jane@customer.example")
    ]
    assert freescout_totals(freescout, mailbox) == {"active": 1, "pending": 0, "closed": 0}

    # The agent uploads a file and answers with it through v1.
    file = v1(
        la,
        "POST",
        "files",
        apikey=agent_key,
        name="steps.txt",
        type="text/plain",
        data=base64.b64encode(b"1. Unplug it.\n").decode(),
    )
    v1(
        la,
        "POST",
        f"conversations/{conversation.code.lower()}/messages",
        apikey=agent_key,
        useridentifier=agent.email,
        message="Unplug it.\nThen call us.",
        attachments=f" {file['fileid']} ",
    )
    assert events() == ["convo.agent.reply.created"]
    sent = OutgoingEmail.objects.filter(conversation=conversation, kind=OutgoingEmail.Kind.REPLY)
    assert sent.count() == 1 and sent.get().recipients == ["jane@customer.example"]
    shown = v1(la, "GET", f"conversations/{conversation.public_url_code}", apikey=agent_key)
    assert (shown["status"], shown["messagegroupsin"], shown["messagegroupsout"]) == ("A", "1", "1")
    assert v1(la, "GET", f"files/{file['fileid']}", apikey=agent_key)["downloads"] == "0"

    # The FreeScout API and the admin show the same answer with its file.
    body = freescout.get(f"/api/conversations/{conversation.pk}?embed=threads").json()
    reply = body["_embedded"]["threads"][0]
    assert (body["status"], reply["type"], reply["createdBy"]["id"]) == ("pending", "message", agent.pk)
    assert reply["body"] == "Unplug it.<br>Then call us."
    assert [a["fileName"] for a in reply["_embedded"]["attachments"]] == ["steps.txt"]
    assert freescout_totals(freescout, mailbox) == {"active": 0, "pending": 1, "closed": 0}
    page = agent_client.get(admin_url(Conversation, "change", conversation.pk)).content.decode()
    assert "Unplug it.<br>Then call us." in page and "steps.txt" in page

    # The customer's answer to that email threads into the same conversation, which is Open again.
    message_id = conversation.threads.filter(created_by_user=agent).get().message_id
    answer = email(
        subject="Re: Printer on fire", message_id="q2@customer.example", body="Done.", in_reply_to=f"<{message_id}>"
    )
    assert mail_ingest(mailbox=mailbox, raw=answer).thread.conversation == conversation
    assert events() == ["convo.customer.reply.created"]
    groups = v1(la, "GET", f"conversations/{conversation.code}/messages", apikey=agent_key)["groups"]
    assert [group["rtype"] for group in groups] == ["3", "4", "3"]
    assert v1(la, "GET", f"conversations/{conversation.code}", apikey=agent_key)["status"] == "C"

    # v1 resolves it; FreeScout and its totals agree; no other email left.
    v1(la, "PUT", f"conversations/{conversation.code}/status", apikey=agent_key, status="R", useridentifier=agent.email)
    assert events() == ["convo.status"]
    assert freescout.get(f"/api/conversations/{conversation.pk}").json()["status"] == "closed"
    assert freescout_totals(freescout, mailbox) == {"active": 0, "pending": 0, "closed": 1}
    assert OutgoingEmail.objects.filter(conversation=conversation, kind=OutgoingEmail.Kind.REPLY).count() == 1
