"""What an API client sends, taken in once for every dialect (conversations.services.intake, and the customer
rules in customers.services): downloads, customer references, custom and customer field values by id, and
errors named in domain terms. A refused request writes nothing: no conversation, customer or file."""

import base64

import pytest

from conversations.models import Attachment, Conversation, Thread
from conversations.services import (
    AttachmentSource,
    CustomerRef,
    NewThread,
    ThreadIntake,
    attachment_base64_decode,
    attachments_fetch,
    conversation_custom_fields_set,
    conversation_intake,
    thread_intake,
)
from conversations.services import intake as intake_module
from customers.models import Customer, CustomerFieldValue
from customers.services import customer_create_unless_known, customer_field_values_set
from helpdesk.errors import Conflict, Invalid
from helpdesk.outbound import FetchError
from mailboxes.services import mailbox_user_grant
from tests.factories import ConversationFactory, CustomerFactory, CustomerFieldFactory, CustomFieldFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def downloads(monkeypatch):
    """``url_fetch`` answering from ``{url: (content, media type)}``; any other URL fails as a 404 would."""
    served: dict[str, tuple[bytes, str | None]] = {}

    def url_fetch(url: str, *, max_bytes: int) -> tuple[bytes, str | None, str | None]:
        if url not in served:
            raise FetchError("HTTP 404 Not Found")
        content, media_type = served[url]
        return content, media_type, None

    monkeypatch.setattr(intake_module, "url_fetch", url_fetch)
    return served


def files_in(media_root) -> list:
    return [path for path in media_root.rglob("*") if path.is_file()]


def customer_thread(body: str = "Hello", **given) -> ThreadIntake:
    return ThreadIntake(thread=NewThread(type=Thread.Type.CUSTOMER, body=body), **given)


# --- attachments ----------------------------------------------------------------------------------------


def test_base64_content_is_decoded_within_the_size_limit(settings):
    assert attachment_base64_decode(data=base64.b64encode(b"file").decode()) == b"file"
    with pytest.raises(Invalid) as error:
        attachment_base64_decode(data="!!")
    assert error.value.messages == ["Not valid base64."]
    settings.HELPDESK_ATTACHMENT_MAX_BYTES = 3
    with pytest.raises(Invalid) as error:
        attachment_base64_decode(data=base64.b64encode(b"file").decode())
    assert error.value.messages == ["Larger than 3 bytes."]


def test_the_type_is_the_given_one_else_the_downloads_else_the_file_names(downloads):
    downloads["https://files.example.org/a"] = (b"%PDF", "application/pdf")
    downloads["https://files.example.org/b"] = (b"?", None)
    fetched = attachments_fetch(
        attachments=[
            AttachmentSource(file_name="a.bin", url="https://files.example.org/a", mime_type="text/plain"),
            AttachmentSource(file_name="a.bin", url="https://files.example.org/a"),
            AttachmentSource(file_name="b.png", url="https://files.example.org/b"),
            AttachmentSource(file_name="c", content=b"c"),
        ]
    )
    assert [(a.content, a.mime_type) for a in fetched] == [
        (b"%PDF", "text/plain"),
        (b"%PDF", "application/pdf"),
        (b"?", "image/png"),
        (b"c", "application/octet-stream"),
    ]


def test_a_refused_download_names_the_attachments_url():
    with pytest.raises(Invalid) as error:
        attachments_fetch(
            attachments=[
                AttachmentSource(file_name="ok.txt", content=b"ok"),
                AttachmentSource(file_name="x.txt", url="http://127.0.0.1/x.txt"),
            ]
        )
    assert list(error.value.message_dict) == ["attachments[1].url"]
    assert "not a public address" in error.value.message_dict["attachments[1].url"][0]


# --- conversation_intake ----------------------------------------------------------------------------------


def test_a_conversation_is_opened_with_its_threads_customers_attachments_and_custom_fields(
    mailbox, agent, media_root, downloads
):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    field = CustomFieldFactory(mailbox=mailbox, type="number")
    downloads["https://files.example.org/log.txt"] = (b"log", "text/plain")
    log = AttachmentSource(file_name="log.txt", url="https://files.example.org/log.txt")
    threads_given = [
        customer_thread(attachments=[log]),
        customer_thread("Me too", customer=CustomerRef(email="colleague@example.org")),
        ThreadIntake(thread=NewThread(type=Thread.Type.NOTE, body="On it", user=agent)),
    ]
    rita = CustomerRef(email="Rita@Example.org", first_name="Rita")
    conversation = conversation_intake(
        mailbox=mailbox,
        subject="Printer",
        customer=rita,
        threads=threads_given,
        assignee=agent,
        custom_fields=[(field.pk, "3"), (field.pk, "4")],
    )
    threads = list(conversation.threads.order_by("id"))
    assert [thread.body for thread in threads] == ["Hello", "Me too", "On it"]
    assert conversation.customer.emails.get().email == "rita@example.org"
    assert threads[1].customer.emails.get().email == "colleague@example.org"
    assert threads[0].customer == conversation.customer and conversation.assignee == agent
    attachment = threads[0].attachments.get()
    assert (attachment.file_name, attachment.mime_type, attachment.file.read()) == ("log.txt", "text/plain", b"log")
    assert list(conversation.custom_field_values.values_list("value", flat=True)) == ["4"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"custom_fields": [(999999, "x")]}, "custom_fields[0].id"),
        ({"custom_fields": "number: forty"}, "custom_fields[0].value"),
        ({"thread_customer": CustomerRef(id=999999)}, "threads[1].customer.id"),
        ({"thread_customer": CustomerRef()}, "threads[1].customer.email"),
        ({"thread": NewThread(type=Thread.Type.MESSAGE, body="No author")}, "threads[1].user"),
        ({"download": "https://files.example.org/missing"}, "threads[1].attachments[0].url"),
    ],
)
def test_a_refused_conversation_leaves_no_conversation_customer_or_file(mailbox, media_root, downloads, change, field):
    """The first thread carries a good attachment, which is stored only once everything else has passed."""
    if change.get("custom_fields") == "number: forty":
        change["custom_fields"] = [(CustomFieldFactory(mailbox=mailbox, type="number").pk, "forty")]
    second = ThreadIntake(
        thread=change.get("thread", NewThread(type=Thread.Type.CUSTOMER, body="More")),
        customer=change.get("thread_customer"),
        attachments=[AttachmentSource(file_name="x.txt", url=change["download"])] if "download" in change else (),
    )
    customers = Customer.objects.count()
    with pytest.raises(Invalid) as error:
        conversation_intake(
            mailbox=mailbox,
            subject="Refused",
            customer=CustomerRef(email="new@example.org"),
            threads=[customer_thread(attachments=[AttachmentSource(file_name="a.txt", content=b"a")]), second],
            custom_fields=change.get("custom_fields", ()),
        )
    assert list(error.value.message_dict) == [field]
    assert not Conversation.objects.exists() and not Attachment.objects.exists()
    assert Customer.objects.count() == customers and files_in(media_root) == []


def test_the_conversations_customer_is_named_customer(mailbox):
    with pytest.raises(Invalid) as error:
        conversation_intake(mailbox=mailbox, subject="x", customer=CustomerRef(id=999999), threads=[customer_thread()])
    assert list(error.value.message_dict) == ["customer.id"]


# --- thread_intake ----------------------------------------------------------------------------------------


def test_a_thread_is_added_with_its_customer_and_downloads(mailbox, media_root, downloads):
    conversation = ConversationFactory(mailbox=mailbox)
    downloads["https://files.example.org/shot"] = (b"\x89PNG", "image/png")
    thread = thread_intake(
        conversation=conversation,
        thread=customer_thread(
            "See attached",
            customer=CustomerRef(email="colleague@example.org"),
            attachments=[AttachmentSource(file_name="shot", url="https://files.example.org/shot")],
        ),
    )
    assert thread.customer.emails.get().email == "colleague@example.org"
    assert thread.attachments.get().mime_type == "image/png"
    conversation.refresh_from_db()
    assert conversation.threads_count == 2


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"customer": CustomerRef(id=999999)}, "customer.id"),
        (
            {"attachments": [AttachmentSource(file_name="x", url="https://files.example.org/none")]},
            "attachments[0].url",
        ),
    ],
)
def test_a_refused_thread_writes_nothing(mailbox, media_root, downloads, given, field):
    conversation = ConversationFactory(mailbox=mailbox)
    before = (Thread.objects.count(), Customer.objects.count())
    with pytest.raises(Invalid) as error:
        thread_intake(conversation=conversation, thread=customer_thread(**given))
    assert list(error.value.message_dict) == [field]
    assert (Thread.objects.count(), Customer.objects.count()) == before and files_in(media_root) == []


# --- custom field and customer field values by id -----------------------------------------------------


def test_custom_field_values_by_id_name_the_position_given(mailbox):
    conversation = ConversationFactory(mailbox=mailbox)
    number = CustomFieldFactory(mailbox=mailbox, type="number")
    elsewhere = CustomFieldFactory()
    with pytest.raises(Invalid) as error:
        conversation_custom_fields_set(conversation=conversation, values=[(number.pk, "x"), (elsewhere.pk, "1")])
    assert list(error.value.message_dict) == ["custom_fields[1].id"]  # every id before any value
    with pytest.raises(Invalid) as error:
        conversation_custom_fields_set(conversation=conversation, values={number.pk: "x"})
    assert error.value.message_dict == {"custom_fields[0].value": ["Expected a number."]}
    assert not conversation.custom_field_values.exists()


def test_customer_field_values_by_id_keep_the_last_of_a_field_given_twice():
    customer = CustomerFactory()
    age = CustomerFieldFactory(type="number")
    customer_field_values_set(customer=customer, values=[(age.pk, "x"), (age.pk, "30")])
    assert list(customer.field_values.values_list("value", flat=True)) == ["30"]
    with pytest.raises(Invalid) as error:
        customer_field_values_set(customer=customer, values=[(age.pk, "31"), (999999, "x")])
    assert error.value.message_dict == {"customer_fields[1].id": ["No customer field 999999."]}
    with pytest.raises(Invalid) as error:
        customer_field_values_set(customer=customer, values=[(age.pk, "31"), (age.pk, "many")])
    assert list(error.value.message_dict) == ["customer_fields[1].value"]
    assert list(CustomerFieldValue.objects.values_list("value", flat=True)) == ["30"]


# --- a customer created by a client that may not know it exists ------------------------------------------


def test_no_customer_is_created_when_every_address_is_taken():
    CustomerFactory(first_name="Old", emails=[("a@example.org", "work"), ("b@example.org", "work")])
    with pytest.raises(Conflict) as error:
        customer_create_unless_known(first_name="New", emails=[("A@example.org", "work"), ("b@example.org", "home")])
    assert error.value.messages == ["A customer with a@example.org, b@example.org already exists."]
    assert Customer.objects.count() == 1


def test_a_taken_address_among_new_ones_stays_with_its_owner():
    existing = CustomerFactory(first_name="Old", emails=[("a@example.org", "work")])
    created = customer_create_unless_known(
        first_name="New", emails=[("a@example.org", "work"), ("c@example.org", "home")]
    )
    assert list(created.emails.values_list("email", "type")) == [("c@example.org", "home")]
    assert list(existing.emails.values_list("email", flat=True)) == ["a@example.org"]
    assert customer_create_unless_known(first_name="No address").emails.count() == 0
