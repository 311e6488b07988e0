"""#11 GET and #12 POST /conversations/{conversationid}/messages: one group per published thread with its
parts; a new reply or note through thread_create, with its webhooks and email."""

import email
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from email import policy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations.mail.ingest import mail_ingest
from conversations.models import Attachment, Conversation, OutgoingEmail, Thread
from conversations.services import (
    NewAttachment,
    NewThread,
    attachment_create,
    conversation_assign,
    conversation_change_status,
    thread_create,
)
from liveagent.ids import Kind, id_encode
from mailboxes.services import mailbox_update, mailbox_user_grant
from tests.factories import ConversationFactory, CustomerFactory, MailboxFactory, UserFactory
from tests.liveagent.helpers import assert_error, envelope
from webhooks.models import WebhookEvent

API = "/liveagent/api"


@pytest.fixture(autouse=True)
def _media(media_root):
    return media_root


@pytest.fixture
def customer(db):
    return CustomerFactory(first_name="Jane", last_name="Doe", emails=[("jane@example.org", "work")])


@pytest.fixture
def conversation(mailbox, customer, keys):
    return ConversationFactory(mailbox=mailbox, customer=customer, subject="Printer")


def url(conversation: Conversation, suffix: str = "") -> str:
    return f"{API}/conversations/{id_encode(Kind.CONVERSATION, conversation.pk)}/messages{suffix}"


def group_id(thread: Thread) -> str:
    return id_encode(Kind.MESSAGE_GROUP, thread.pk)


def part_id(thread: Thread, number: int) -> str:
    return id_encode(Kind.MESSAGE, thread.pk, number)


def when(thread: Thread) -> str:
    return thread.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def file(name: str = "a.txt", content: bytes = b"abc", *, uploaded_by=None) -> Attachment:
    attachment = attachment_create(attachment=NewAttachment(file_name=name, content=content, mime_type="text/plain"))
    if uploaded_by is not None:
        Attachment.objects.filter(pk=attachment.pk).update(uploaded_by=uploaded_by)
    return attachment


def recorded() -> list[str]:
    return list(WebhookEvent.objects.order_by("created_at", "id").values_list("name", flat=True))


def group(thread: Thread, userid: str, rtype: str, parts: list[tuple[int, str, str]]) -> dict:
    return {
        "messagegroupid": group_id(thread),
        "userid": userid,
        "rtype": rtype,
        "rstatus": "V",
        "datecreated": when(thread),
        "datefinished": when(thread),
        "messages": [
            {
                "messageid": part_id(thread, number),
                "userid": userid,
                "rtype": part_rtype,
                "datecreated": when(thread),
                "message": message,
            }
            for number, part_rtype, message in parts
        ],
    }


# --- #11 --------------------------------------------------------------------------------------------------


@pytest.fixture
def timeline(conversation, admin, agent):
    """A customer's email, an agent's reply with a file, a System note with two, a draft, then the
    conversation assigned and resolved."""
    first = conversation.threads.get()
    reply = thread_create(
        conversation=conversation,
        thread=NewThread(
            type=Thread.Type.MESSAGE,
            body="<p>Try this.</p>",
            user=agent,
            attachments=[NewAttachment(file_name="fix.txt", content=b"fix", mime_type="text/plain")],
        ),
    )
    note = thread_create(
        conversation=conversation,
        thread=NewThread(
            type=Thread.Type.NOTE,
            body="",
            attachment_tokens=[file("one.txt").token, file("two.txt").token],
        ),
    )
    thread_create(
        conversation=conversation,
        thread=NewThread(type=Thread.Type.MESSAGE, body="unsent", user=agent, state=Thread.State.DRAFT),
    )
    conversation_assign(conversation=conversation, assignee=agent, by_user=admin)
    conversation_change_status(conversation=conversation, status=Conversation.Status.CLOSED, by_user=None)
    assigned, resolved = conversation.threads.filter(type=Thread.Type.LINEITEM).order_by("id")
    return first, reply, note, assigned, resolved


def test_messages_as_the_seed_shows_them(la, keys, timeline, customer, admin, agent, conversation):
    first, reply, note, assigned, resolved = timeline
    response = la.get(f"{url(conversation)}?&apikey={keys[1]}")
    assert response.status_code == 200
    agent_userid, admin_userid = id_encode(Kind.AGENT_USER, agent.pk), id_encode(Kind.AGENT_USER, admin.pk)
    note_files = list(note.attachments.order_by("id").values_list("token", flat=True))
    assert response.json() == {
        "response": {
            "groups": [
                group(
                    first,
                    id_encode(Kind.CUSTOMER_USER, customer.pk),
                    "3",
                    [(0, "M", "Hello, I need help.")],
                ),
                group(
                    reply,
                    agent_userid,
                    "4",
                    [(0, "M", "<p>Try this.</p>"), (1, "F", reply.attachments.get().token)],
                ),
                # A System note without text: its files only, numbered after the (absent) body.
                group(note, "system", "I", [(1, "L", note_files[0]), (2, "L", note_files[1])]),
                group(assigned, admin_userid, "T", [(0, "R", "Ada Admin assigned to Alan Agent")]),
                group(resolved, "system", "R", [(0, "J", "System marked as Closed")]),
            ]
        }
    }


def test_messages_in_xml_nest_a_message_in_each_message(la, keys, timeline, conversation):
    reply = timeline[1]
    response = la.get(url(conversation, ".xml"), {"apikey": keys[0]})
    root = ET.fromstring(response.content)
    groups = root.findall("groups/group")
    assert len(groups) == 5
    assert [child.tag for child in groups[1]] == [
        "messagegroupid",
        "userid",
        "rtype",
        "rstatus",
        "datecreated",
        "datefinished",
        "messages",
    ]
    parts = groups[1].findall("messages/message")
    assert [child.tag for child in parts[0]] == ["messageid", "userid", "rtype", "datecreated", "message"]
    assert [(part.findtext("rtype"), part.findtext("message")) for part in parts] == [
        ("M", "<p>Try this.</p>"),
        ("F", reply.attachments.get().token),
    ]


def test_messages_in_yaml(la, keys, timeline, conversation):
    groups = envelope(la.get(url(conversation, ".yaml"), {"apikey": keys[0]}))["groups"]
    assert [g["rtype"] for g in groups] == ["3", "4", "I", "T", "R"]


def test_phone_and_chat_groups(la, keys, mailbox, agent):
    phone = ConversationFactory(mailbox=mailbox, type=Conversation.Type.PHONE)
    thread_create(conversation=phone, thread=NewThread(type=Thread.Type.MESSAGE, body="Called back", user=agent))
    thread_create(conversation=phone, thread=NewThread(type=Thread.Type.CHAT, body="typed", user=agent))
    groups = envelope(la.get(url(phone), {"apikey": keys[1]}))["groups"]
    assert [g["rtype"] for g in groups] == ["P", "V", "C"]


def test_status_moves_and_reopening_as_line_items(la, keys, conversation, admin):
    conversation_change_status(conversation=conversation, status=Conversation.Status.SPAM, by_user=admin)
    conversation_change_status(conversation=conversation, status=Conversation.Status.ACTIVE, by_user=admin)
    other = MailboxFactory(name="Billing")
    from conversations.services import conversation_move

    conversation_move(conversation=conversation, mailbox=other, by_user=admin)
    groups = envelope(la.get(url(conversation), {"apikey": keys[0]}))["groups"]
    assert [(g["rtype"], g["messages"][0]["rtype"], g["messages"][0]["message"]) for g in groups[1:]] == [
        ("B", "J", "Ada Admin marked as Spam"),
        ("S", "J", "Ada Admin marked as Active"),
        ("T", "R", "Ada Admin moved the conversation from Support"),
    ]


def test_datefrom_and_dateto_bound_datecreated_inclusively(la, keys, conversation, agent):
    first = conversation.threads.get()
    later = thread_create(conversation=conversation, thread=NewThread(type=Thread.Type.NOTE, body="n", user=agent))
    last = thread_create(conversation=conversation, thread=NewThread(type=Thread.Type.NOTE, body="m", user=agent))
    for thread, moment in ((first, "2024-01-01 10:00:00"), (later, "2024-01-02 10:00:00.5"), (last, "2024-01-03")):
        Thread.objects.filter(pk=thread.pk).update(created_at=datetime.fromisoformat(moment).replace(tzinfo=UTC))

    def ids(**params) -> list[str]:
        groups = envelope(la.get(url(conversation), {"apikey": keys[1], **params}))["groups"]
        return [g["messagegroupid"] for g in groups]

    assert ids() == [group_id(first), group_id(later), group_id(last)]
    assert ids(datefrom="2024-01-02 10:00:00") == [group_id(later), group_id(last)]
    assert ids(dateto="2024-01-02 10:00:00") == [group_id(first), group_id(later)]
    assert ids(datefrom="2024-01-01 10:00:01", dateto="2024-01-02 23:59:59") == [group_id(later)]
    assert ids(datefrom="2024-01-04 00:00:00") == []
    # The calendar's edges are bounds like any other.
    assert len(ids(datefrom="0001-01-01 00:00:00", dateto="9999-12-31 23:59:59")) == 3


def test_dates_are_read_in_the_account_zone(la, keys, conversation, settings):
    first = conversation.threads.get()
    Thread.objects.filter(pk=first.pk).update(created_at=datetime(2024, 1, 1, 10, 0, tzinfo=UTC))
    settings.LIVEAGENT_TIME_ZONE = "Europe/Bratislava"
    groups = envelope(la.get(url(conversation), {"apikey": keys[1], "datefrom": "2024-01-01 11:00:00"}))["groups"]
    assert [g["datecreated"] for g in groups] == ["2024-01-01 11:00:00"]
    assert envelope(la.get(url(conversation), {"apikey": keys[1], "datefrom": "2024-01-01 11:00:01"}))["groups"] == []


@pytest.mark.parametrize("parameter", ["datefrom", "dateto"])
@pytest.mark.parametrize("value", ["2024-01-01", "yesterday", "2024-13-01 00:00:00", "2024-01-01T10:00:00"])
def test_bad_dates_are_refused(la, keys, conversation, parameter, value):
    body = assert_error(la.get(url(conversation), {"apikey": keys[1], parameter: value}), 400)
    assert body["debugmessage"] == parameter


@pytest.mark.parametrize("parameter", ["datefrom", "dateto"])
def test_dates_beyond_the_calendar_in_the_account_zone_are_refused(la, keys, conversation, settings, parameter):
    settings.LIVEAGENT_TIME_ZONE = "Asia/Tokyo"  # 0001-01-01 00:00 there is before the calendar in UTC
    body = assert_error(la.get(url(conversation), {"apikey": keys[1], parameter: "0001-01-01 00:00:00"}), 400)
    assert body["debugmessage"] == parameter


def test_messages_run_the_same_queries_whatever_the_number_of_threads(la, keys, mailbox, admin, agent):
    def conversation_with(threads: int) -> Conversation:
        conversation = ConversationFactory(mailbox=mailbox)
        for index in range(threads):
            files = [NewAttachment(file_name=f"{index}-{n}.txt", content=b"x") for n in range(2)]
            thread_create(
                conversation=conversation,
                thread=NewThread(type=Thread.Type.MESSAGE, body=f"r{index}", user=agent, attachments=files),
            )
            conversation_assign(conversation=conversation, assignee=agent if index % 2 else admin, by_user=admin)
        return conversation

    def queries(conversation: Conversation) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            groups = envelope(la.get(url(conversation), {"apikey": keys[1]}))["groups"]
        return len(captured), len(groups)

    small, large = conversation_with(1), conversation_with(6)
    queries(small)  # the key's first use of the day records it
    small_queries, small_groups = queries(small)
    large_queries, large_groups = queries(large)
    assert (small_groups, large_groups) == (3, 13)
    assert large_queries == small_queries
    assert small_queries <= 8


def test_conversations_by_code_or_public_url_code(la, keys, conversation):
    for reference in (conversation.code.lower(), conversation.public_url_code):
        groups = envelope(la.get(f"{API}/conversations/{reference}/messages", {"apikey": keys[1]}))["groups"]
        assert len(groups) == 1


def test_a_conversation_out_of_reach_or_unknown_is_not_found(la, keys):
    hidden = ConversationFactory(mailbox=MailboxFactory())
    assert_error(la.get(url(hidden), {"apikey": keys[1]}), 404)
    assert envelope(la.get(url(hidden), {"apikey": keys[0]}))["groups"]
    assert_error(la.post(url(hidden), {"apikey": keys[1], "message": "hi"}), 404)
    for unknown in (id_encode(Kind.CONVERSATION, 999_999), id_encode(Kind.TAG, 1), "AAA-AAAAA-AAA", "x"):
        assert_error(la.get(f"{API}/conversations/{unknown}/messages.xml", {"apikey": keys[0]}), 404, "xml")
    assert not hidden.threads.exclude(type=Thread.Type.CUSTOMER).exists()


def test_messages_need_a_key(la, keys, conversation):
    assert_error(la.get(url(conversation)), 401)
    assert_error(la.post(url(conversation), {"message": "hi"}), 401)
    assert_error(la.put(url(conversation), f"message=hi&apikey={keys[0]}", "application/x-www-form-urlencoded"), 405)


def test_a_thread_added_through_freescout_shows_here(la, keys, conversation, admin, admin_api):
    response = admin_api.post(
        f"/api/conversations/{conversation.pk}/threads",
        {"type": "note", "text": "From FreeScout", "user": admin.pk},
        format="json",
    )
    assert response.status_code == 201
    groups = envelope(la.get(url(conversation), {"apikey": keys[0]}))["groups"]
    assert (groups[-1]["rtype"], groups[-1]["messages"][0]["message"]) == ("I", "From FreeScout")


# --- #12 --------------------------------------------------------------------------------------------------


def last_thread(conversation: Conversation) -> Thread:
    return conversation.threads.order_by("-id").first()


def test_an_agent_reply_is_escaped_emailed_and_answers_the_conversation(la, keys, conversation, agent, hook):
    mailbox_update(mailbox=conversation.mailbox, signature="<p>-- Support team</p>")
    response = la.post(
        url(conversation),
        {"apikey": keys[1], "useridentifier": "agent@example.com", "message": "1 < 2 & <b>x</b>\nBye"},
    )
    assert response.json() == {"response": {"status": "OK", "statuscode": 0}}
    thread = last_thread(conversation)
    assert (thread.type, thread.created_by_user, thread.body) == (
        Thread.Type.MESSAGE,
        agent,
        "1 &lt; 2 &amp; &lt;b&gt;x&lt;/b&gt;<br>Bye",
    )
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.PENDING
    assert conversation.acknowledged_at is not None
    assert recorded() == ["convo.agent.reply.created"]
    sent = OutgoingEmail.objects.get(thread=thread)
    assert sent.recipient == "jane@example.org"
    assert b"-- Support team" in bytes(sent.message)


def test_use_template_n_leaves_the_signature_out(la, keys, conversation):
    mailbox_update(mailbox=conversation.mailbox, signature="<p>-- Support team</p>")
    params = {"apikey": keys[1], "useridentifier": "agent@example.com", "message": "Hi", "use_template": "N"}
    assert la.post(url(conversation), params).status_code == 200
    assert b"-- Support team" not in bytes(OutgoingEmail.objects.get(thread=last_thread(conversation)).message)


def test_do_not_send_mail_records_the_reply_without_email(la, keys, conversation, hook):
    params = {"apikey": keys[1], "useridentifier": "agent@example.com", "message": "Sent elsewhere"}
    assert la.post(url(conversation), {**params, "do_not_send_mail": "Y"}).status_code == 200
    thread = last_thread(conversation)
    assert thread.type == Thread.Type.MESSAGE
    assert not OutgoingEmail.objects.filter(thread=thread).exists()
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.PENDING
    assert recorded() == ["convo.agent.reply.created"]


def test_without_an_agent_only_a_system_note_is_made(la, keys, conversation, hook):
    assert la.post(url(conversation, ".xml"), {"apikey": keys[1], "message": "Imported", "type": "M"}).status_code == (
        200
    )
    thread = last_thread(conversation)
    assert (thread.type, thread.created_by_user, thread.body) == (Thread.Type.NOTE, None, "Imported")
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.ACTIVE
    assert not OutgoingEmail.objects.filter(thread=thread).exists()
    assert recorded() == ["convo.note.created"]
    groups = envelope(la.get(url(conversation), {"apikey": keys[1]}))["groups"]
    assert (groups[-1]["userid"], groups[-1]["rtype"], groups[-1]["messages"][0]["rtype"]) == ("system", "I", "N")


def test_type_n_is_a_note_by_the_agent(la, keys, conversation, admin, hook):
    admin_userid = id_encode(Kind.AGENT_USER, admin.pk)
    params = {"apikey": keys[0], "useridentifier": admin_userid, "message": "Internal", "type": "n"}
    assert la.post(url(conversation), params).status_code == 200
    thread = last_thread(conversation)
    assert (thread.type, thread.created_by_user) == (Thread.Type.NOTE, admin)
    assert recorded() == ["convo.note.created"]
    assert not OutgoingEmail.objects.exists()


def test_html_messages_are_sanitised(la, keys, conversation):
    message = '<p onclick="x()">Hi <b>there</b></p><script>alert(1)</script>'
    params = {"apikey": keys[0], "useridentifier": "admin@example.com", "message": message, "is_html_message": "Y"}
    assert la.post(url(conversation), params).status_code == 200
    assert last_thread(conversation).body == "<p>Hi <b>there</b></p>"


@pytest.mark.parametrize("parameter", ["mail_messsage_id", "mail_message_id"])
def test_the_mail_message_id_threads_answers_into_the_conversation(la, keys, conversation, parameter):
    params = {"apikey": keys[1], "useridentifier": "agent@example.com", "message": "Hi"}
    assert la.post(url(conversation), {**params, parameter: "<crm-42@crm.example.com>"}).status_code == 200
    thread = last_thread(conversation)
    assert thread.message_id == "crm-42@crm.example.com"
    sent = email.message_from_bytes(bytes(OutgoingEmail.objects.get(thread=thread).message), policy=policy.default)
    assert sent["Message-ID"] == "<crm-42@crm.example.com>"
    answer = (
        b"From: Jane Doe <jane@example.org>\r\nTo: support@example.com\r\nSubject: Re: Printer\r\n"
        b"Message-ID: <answer-1@example.org>\r\nIn-Reply-To: <crm-42@crm.example.com>\r\n"
        b"Date: Mon, 2 Mar 2026 09:00:00 +0000\r\n\r\nThanks!\r\n"
    )
    received = mail_ingest(mailbox=conversation.mailbox, raw=answer)
    assert received.thread.conversation == conversation


def test_a_note_with_a_message_id_keeps_it_without_email(la, keys, conversation):
    params = {"apikey": keys[1], "message": "Mailed by the CRM", "mail_message_id": "crm-43@crm.example.com"}
    assert la.post(url(conversation), {**params, "do_not_send_mail": "Y"}).status_code == 200
    assert last_thread(conversation).message_id == "crm-43@crm.example.com"


def test_attachments_are_files_uploaded_before(la, keys, conversation, agent):
    one, two = file("one.txt", uploaded_by=agent), file("two.txt", uploaded_by=agent)
    params = {"apikey": keys[1], "useridentifier": "agent@example.com", "message": "Files"}
    attachments = f" {one.token.upper()} , {two.token},"
    assert la.post(url(conversation), {**params, "attachments": attachments}).status_code == 200
    thread = last_thread(conversation)
    assert list(thread.attachments.order_by("id")) == [one, two]
    groups = envelope(la.get(url(conversation), {"apikey": keys[1]}))["groups"]
    assert [(m["rtype"], m["message"]) for m in groups[-1]["messages"]][1:] == [("F", one.token), ("F", two.token)]
    email_sent = email.message_from_bytes(
        bytes(OutgoingEmail.objects.get(thread=thread).message), policy=policy.default
    )
    assert sorted(part.get_filename() for part in email_sent.iter_attachments()) == ["one.txt", "two.txt"]


def test_attachments_out_of_reach_are_not_found_and_nothing_is_written(la, keys, conversation, admin, agent, hook):
    params = {"apikey": keys[1], "useridentifier": "agent@example.com", "message": "Files"}
    mine, theirs = file(uploaded_by=agent), file(uploaded_by=admin)
    hidden = ConversationFactory(mailbox=MailboxFactory())
    thread_create(
        conversation=hidden,
        thread=NewThread(type=Thread.Type.NOTE, body="x", user=admin, attachments=[NewAttachment("h.txt", b"h")]),
    )
    hidden_file = Attachment.objects.get(file_name="h.txt")
    threads, events = Thread.objects.count(), recorded()
    for refused in (theirs.token, hidden_file.token, "0" * 32, "nope"):
        assert_error(la.post(url(conversation), {**params, "attachments": f"{mine.token},{refused}"}), 404)
    assert Thread.objects.count() == threads
    assert Attachment.objects.get(pk=mine.pk).thread is None
    assert recorded() == events
    # The admin may attach anyone's loose file.
    admin_params = {**params, "apikey": keys[0], "attachments": theirs.token}
    assert la.post(url(conversation), admin_params).status_code == 200


def test_a_file_on_a_message_already_is_refused(la, keys, conversation, agent):
    used = file(uploaded_by=agent)
    params = {"apikey": keys[1], "useridentifier": "agent@example.com", "message": "Files", "attachments": used.token}
    assert la.post(url(conversation), params).status_code == 200
    threads = Thread.objects.count()
    body = assert_error(la.post(url(conversation), params), 400)
    assert body["debugmessage"] == "attachments"
    assert Thread.objects.count() == threads


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({}, "message"),
        ({"message": "  \n "}, "message"),
        ({"message": "x", "type": "X"}, "type"),
        ({"message": "x", "do_not_send_mail": "yes"}, "do_not_send_mail"),
        ({"message": "x", "is_html_message": "1"}, "is_html_message"),
        ({"message": "x", "use_template": "maybe"}, "use_template"),
        ({"message": "x", "mail_messsage_id": "two words@x"}, "mail_messsage_id"),
        ({"message": "x", "mail_message_id": "é@x"}, "mail_message_id"),
        ({"message": "x", "mail_message_id": "a" * 996}, "mail_message_id"),
    ],
)
def test_bad_input_is_refused_naming_the_parameter(la, keys, conversation, params, parameter, hook):
    body = assert_error(
        la.post(url(conversation), {"apikey": keys[1], "useridentifier": "agent@example.com", **params}), 400
    )
    assert body["debugmessage"] == parameter
    assert conversation.threads.count() == 1
    assert recorded() == []


def test_the_acting_agent_must_exist_and_be_the_keys_own(la, keys, conversation):
    colleague = UserFactory(email="colleague@example.com")
    mailbox_user_grant(mailbox=conversation.mailbox, user=colleague)
    assert_error(la.post(url(conversation), {"apikey": keys[1], "message": "x", "useridentifier": "nobody@x.org"}), 404)
    assert_error(
        la.post(url(conversation), {"apikey": keys[1], "message": "x", "useridentifier": "colleague@example.com"}), 403
    )
    assert conversation.threads.count() == 1
    # An admin's key may act as any agent.
    params = {"apikey": keys[0], "message": "x", "useridentifier": "colleague@example.com"}
    assert la.post(url(conversation), params).status_code == 200
    assert last_thread(conversation).created_by_user == colleague


def test_a_v1_reply_reads_back_through_freescout(la, keys, conversation, admin_api):
    params = {"apikey": keys[1], "useridentifier": "agent@example.com", "message": "Fixed", "do_not_send_mail": "Y"}
    assert la.post(url(conversation), params).status_code == 200
    body = admin_api.get(f"/api/conversations/{conversation.pk}?embed=threads").json()
    assert body["status"] == "pending"
    assert body["_embedded"]["threads"][0]["type"] == "message"
    assert body["_embedded"]["threads"][0]["body"] == "Fixed"
