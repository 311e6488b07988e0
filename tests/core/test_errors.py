"""The domain's error kinds (helpdesk.errors): what they extend, how fields are named under a prefix, which
services raise which kind, and how the FreeScout dialect answers each (its one mapping)."""

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from rest_framework import exceptions

from conversations.services import tag_create
from customers.services import company_update, customer_create, customer_field_create, customer_update
from freescout.plumbing.errors import exception_handler, request_path, service_errors
from helpdesk.errors import Conflict, Invalid, NotAllowed, NotFound, fields_under, invalid_renamed
from helpdesk.services import UserEmailTaken, user_create
from mailboxes.services import custom_field_create, mailbox_create, mailbox_delete
from tests.factories import CustomerFactory, MailboxFactory, UserFactory, WebhookFactory


def test_each_kind_is_the_django_exception_its_callers_already_catch():
    assert issubclass(Invalid, ValidationError)
    assert issubclass(Conflict, Invalid)
    assert issubclass(NotFound, ObjectDoesNotExist)
    assert issubclass(NotAllowed, PermissionDenied)
    assert issubclass(UserEmailTaken, Conflict)
    assert UserEmailTaken().message_dict == {"email": ["A user with this email already exists."]}


@pytest.mark.parametrize(
    ("raised", "named"),
    [
        (Invalid({"email": "Bad."}), {"customer.email": ["Bad."]}),
        (Invalid({"[0].id": "Unknown."}), {"customer[0].id": ["Unknown."]}),
        (Invalid("No field."), {"customer": ["No field."]}),
        (
            ValidationError({"email": ["One.", "Two."], "id": "Three."}),
            {"customer.email": ["One.", "Two."], "customer.id": ["Three."]},
        ),
    ],
)
def test_fields_under_names_every_field_inside_the_prefix(raised, named):
    with pytest.raises(Invalid) as error, fields_under("customer"):
        raise raised
    assert error.value.message_dict == named
    assert type(error.value) is Invalid


def test_fields_under_keeps_a_conflict_a_conflict_and_nests():
    with pytest.raises(Conflict) as error, fields_under("threads[2]"), fields_under("customer"):
        raise Conflict({"email": "Taken."})
    assert error.value.message_dict == {"threads[2].customer.email": ["Taken."]}


def test_invalid_renamed_merges_fields_that_get_one_name():
    renamed = invalid_renamed(ValidationError({"a": "One.", "b": "Two."}), lambda field: "both")
    assert renamed.message_dict == {"both": ["One.", "Two."]}
    assert invalid_renamed(ValidationError({"a": "One."}), lambda field: "").messages == ["One."]


def test_errors_from_outside_stay_as_they_are():
    with pytest.raises(KeyError), fields_under("customer"):
        raise KeyError("not a validation error")


# --- Which services raise which kind -----------------------------------------------------------------------


@pytest.mark.django_db
def test_what_exists_is_a_conflict():
    mailbox = MailboxFactory(email="taken@example.com")
    CustomerFactory(emails=[("taken@example.org", "work")])
    UserFactory(email="taken@example.com")
    custom_field_create(mailbox=mailbox, name="Priority", type="singleline")
    customer_field_create(name="Plan", type="singleline")
    tag_create(name="vip")
    company = customer_create(first_name="A", company="ACME").company
    customer_create(first_name="B", company="Other")
    webhook = WebhookFactory(events=["convo.created"])
    webhook.mailboxes.add(mailbox)
    refusals = [
        (lambda: mailbox_create(name="Again", email="TAKEN@example.com"), "email"),
        (lambda: mailbox_delete(mailbox=mailbox), "mailbox"),
        (lambda: custom_field_create(mailbox=mailbox, name="priority", type="number"), "name"),
        (lambda: customer_create(first_name="C", emails=[("taken@example.org", "work")]), "emails[0]"),
        (
            lambda: customer_update(customer=CustomerFactory(), emails_add=[("taken@example.org", "work")]),
            "emails_add[0]",
        ),
        (lambda: customer_field_create(name="PLAN", type="number"), "name"),
        (lambda: company_update(company=company, name="other"), "name"),
        (lambda: tag_create(name="VIP"), "name"),
        (lambda: user_create(email="Taken@Example.com"), "email"),
    ]
    for refusal, field in refusals:
        with pytest.raises(Conflict) as error:
            refusal()
        assert list(error.value.message_dict) == [field]


@pytest.mark.django_db
def test_wrong_input_is_invalid_but_no_conflict():
    with pytest.raises(Invalid) as error:
        customer_create(first_name="D", emails=[("not an address", "work")])
    assert not isinstance(error.value, Conflict) and list(error.value.message_dict) == ["emails[0]"]


# --- The FreeScout dialect's mapping -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "request_field"),
    [
        ("threads[0].customer.email", "threads[2].customer.email"),
        ("threads[0].attachments[1].url", "threads[2].attachments[1].fileUrl"),
        ("threads[0]", "threads[2]"),
        ("threads[1].user", "threads[1].user"),
        ("threads", "threads"),
        ("reassign[7]", "assignTo[7]"),
        ("assignee", "assignTo"),
        ("assignees", "assignees"),
    ],
)
def test_request_path_takes_the_longest_name_that_starts_the_field(field, request_field):
    renamed = {"reassign": "assignTo", "assignee": "assignTo"}
    reindexed = {"threads[0]": "threads[2]", "threads[0].attachments[1].url": "threads[2].attachments[1].fileUrl"}
    assert request_path(field, renamed | reindexed) == request_field


def test_freescout_answers_each_kind_with_its_status():
    conflict = service_errors(Conflict({"email": "Taken."}), {"email": "emails[0]"})
    assert (conflict.status_code, conflict.detail) == (409, "Taken.")
    invalid = service_errors(Invalid({"custom_fields[1].id": "Unknown."}), {"custom_fields": "customFields"})
    assert isinstance(invalid, exceptions.ValidationError)
    assert invalid.detail == {"customFields[1].id": ["Unknown."]}
    assert isinstance(service_errors(NotFound("gone")), exceptions.NotFound)
    denied = service_errors(NotAllowed("Only admins."))
    assert isinstance(denied, exceptions.PermissionDenied) and denied.detail == "Only admins."


@pytest.mark.parametrize(
    ("raised", "status", "code", "message"),
    [
        (
            Conflict({"name": "A tag with this name already exists."}),
            409,
            "CONFLICT",
            "A tag with this name already exists.",
        ),
        (NotFound("No such thing."), 404, "NOT FOUND", "Not found"),
        (
            NotAllowed("A regular user's API key can only act as that user."),
            403,
            "FORBIDDEN",
            "A regular user's API key can only act as that user.",
        ),
        (NotAllowed(), 403, "FORBIDDEN", "Forbidden"),
    ],
)
def test_the_freescout_handler_answers_the_kinds_a_view_does_not_catch(raised, status, code, message):
    response = exception_handler(raised, {})
    assert response.status_code == status
    assert response.data == {"message": message, "errorCode": code, "_embedded": {"errors": []}}


def test_the_freescout_handler_answers_invalid_with_each_field():
    response = exception_handler(Invalid({"url": "Not http."}), {})
    assert response.status_code == 400
    assert response.data["_embedded"]["errors"] == [{"path": "url", "message": "Not http.", "source": "JSON"}]
