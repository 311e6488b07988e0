"""A conversation an agent starts from the agent UI (issue 19, item 5): an email sent to the customer, or
a phone call logged. The customer is found by email, else by phone number, else created; everything then
goes through ``conversation_intake`` and ``conversation_create`` as an API's request does, so the webhook
(``convo.created``) and the email to the customer follow the same way, all or nothing."""

from django.db import transaction
from django.utils.html import linebreaks

from conversations.models import Conversation, Status, Thread
from conversations.services.intake import CustomerRef, ThreadIntake, conversation_intake
from conversations.services.threads import NewThread
from customers.selectors import customer_find_by_phone_digits
from customers.services import customer_find_by_email, phone_digits
from helpdesk.errors import Invalid, invalid_renamed
from helpdesk.models import User
from mailboxes.models import Mailbox
from mailboxes.selectors import mailbox_accessible_by

STARTABLE_TYPES = (Conversation.Type.EMAIL, Conversation.Type.PHONE)


@transaction.atomic
def conversation_start_by_agent(
    *,
    user: User,
    mailbox: Mailbox,
    type: str,
    subject: str,
    text: str,
    status: str = Status.ACTIVE,
    email: str = "",
    phone: str = "",
    first_name: str = "",
    last_name: str = "",
) -> Conversation:
    """``text`` is plain text (the composer's), kept as escaped HTML paragraphs. An email conversation's
    first thread is the agent's message, emailed to ``email``; a phone conversation's is the agent's note
    of the call (never emailed). Errors are ``Invalid`` under these arguments' names."""
    if type not in STARTABLE_TYPES:
        raise Invalid({"type": f"Unknown conversation type {type!r}."})
    if not mailbox_accessible_by(user=user, mailbox_id=mailbox.pk):
        raise Invalid({"mailbox": "You have no access to this mailbox."})
    email, phone = (email or "").strip(), (phone or "").strip()
    if type == Conversation.Type.EMAIL and not email:
        raise Invalid({"email": "An email conversation needs the customer's email address."})
    if not (email or phone_digits(phone) or first_name.strip()):
        raise Invalid({"phone": "Give the customer's email, phone number or name."})
    if phone and not phone_digits(phone):
        raise Invalid({"phone": "Expected a phone number."})
    if not (text or "").strip():
        raise Invalid({"text": "Write the message."})
    if not (subject or "").strip():
        raise Invalid({"subject": "Give the conversation a subject."})

    known = (customer_find_by_email(email=email) if email else None) or (
        customer_find_by_phone_digits(digits=phone_digits(phone)) if phone else None
    )
    customer = (
        CustomerRef(id=known.pk)
        if known is not None
        else CustomerRef(email=email, phone=phone, first_name=first_name.strip(), last_name=last_name.strip())
    )
    thread_type = Thread.Type.MESSAGE if type == Conversation.Type.EMAIL else Thread.Type.NOTE
    thread = NewThread(type=thread_type, body=linebreaks(text.strip(), autoescape=True), user=user)
    try:
        return conversation_intake(
            mailbox=mailbox,
            subject=subject,
            customer=customer,
            threads=[ThreadIntake(thread=thread)],
            type=type,
            status=status,
        )
    except Invalid as error:
        # The intake names fields in its own terms (``customer.emails[0]``, ``threads[0].body``); the
        # caller's form knows this function's arguments.
        raise invalid_renamed(error, _argument_of) from None


def _argument_of(field: str) -> str:
    if field.startswith("customer"):
        for argument in ("email", "phone", "first_name", "last_name"):
            if argument in field:
                return argument
        return "email"
    if field.startswith("threads[0]"):
        return "text"
    return field
