"""Request bodies of the conversation endpoints, validated into plain values for the services.

Field names are the API's (camelCase) so that error paths name what the client sent. Ids are checked
against what the key's user may see: an unknown or invisible id in a body is a 400 at its path, the same
answer for both, so that a 400 never tells a customer or mailbox of another desk exists (a customer by
``customers_visible_through_api``, the rule of both dialects' customer endpoints)."""

from rest_framework import serializers
from rest_framework.request import Request

from conversations.models import Conversation, Thread
from conversations.services import (
    AttachmentSource,
    CustomerRef,
    NewThread,
    ThreadIntake,
    attachment_base64_decode,
)
from customers.models import Customer
from customers.selectors import customers_visible_through_api
from freescout.plumbing.authentication import api_user
from freescout.plumbing.fields import DateTimeInField, EmailListField, EnumField, FlexibleBooleanField, IdField
from helpdesk.errors import Invalid, field_under
from helpdesk.models import User
from helpdesk.services import user_act_as_check
from mailboxes.models import Mailbox
from mailboxes.selectors import mailbox_accessible_by, mailboxes_accessible_by

CONVERSATION_STATUSES = ["active", "pending", "closed", "spam"]
THREAD_TYPES = ["customer", "message", "note"]


def visible_customer(request: Request, customer_id: int) -> Customer:
    """The customer named by ``customerId``/``customer.id``, if the key may see it; an unknown and an
    invisible id get the same 400. A conversation created for the email of a customer the key cannot see
    still attaches that customer (addresses are unique, and mail does the same): only naming it by id is
    refused."""
    customer = customers_visible_through_api(user=api_user(request)).filter(pk=customer_id).first()
    if customer is None:
        raise serializers.ValidationError(f"No customer with id {customer_id}.", code="invalid")
    return customer


def acting_user(request: Request, user_id: int) -> User:
    """The user named by ``user``/``byUser``: it must exist, and the key's user must be allowed to act as it
    (``user_act_as_check``; its ``NotAllowed`` is answered 403 by the exception handler)."""
    user = User.objects.filter(pk=user_id).exclude(status=User.Status.DELETED).first()
    if user is None:
        raise serializers.ValidationError(f"No user with id {user_id}.", code="invalid")
    user_act_as_check(actor=api_user(request), user=user)
    return user


class CustomerRefInput(serializers.Serializer):
    id = IdField(required=False)
    email = serializers.EmailField(required=False, max_length=191)
    firstName = serializers.CharField(required=False, allow_blank=True, max_length=40)
    lastName = serializers.CharField(required=False, allow_blank=True, max_length=40)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=60)

    def validate_id(self, value: int) -> int:
        return visible_customer(self.context["request"], value).pk

    def validate(self, data: dict) -> dict:
        if not any(data.get(key) for key in ("id", "email", "firstName", "phone")):
            raise serializers.ValidationError(
                {"email": "Give the customer's id or email (or, for phone, firstName or phone)."}
            )
        return data


class AttachmentInput(serializers.Serializer):
    fileName = serializers.CharField(max_length=255)
    mimeType = serializers.CharField(required=False, allow_blank=True, max_length=127)
    # DRF takes declared fields off the class, so this does not replace ``Serializer.data``; the stubs cannot see it.
    data = serializers.CharField(required=False, trim_whitespace=True)  # type: ignore[assignment]
    fileUrl = serializers.URLField(required=False, max_length=2000)

    def validate(self, attrs: dict) -> dict:
        if ("data" in attrs) == ("fileUrl" in attrs):
            raise serializers.ValidationError({"data": "Give the content either as base64 'data' or as a 'fileUrl'."})
        if "data" in attrs:
            try:
                attrs["content"] = attachment_base64_decode(data=attrs["data"])
            except Invalid as error:
                raise serializers.ValidationError({"data": error.messages}, code="invalid") from None
        return attrs


class ThreadInput(serializers.Serializer):
    type = EnumField(THREAD_TYPES)
    text = serializers.CharField(trim_whitespace=False, max_length=1_000_000)
    user = IdField(required=False, allow_null=True)
    customer = CustomerRefInput(required=False)
    status = EnumField(CONVERSATION_STATUSES, required=False)
    state = EnumField(["draft", "published"], required=False)
    imported = FlexibleBooleanField(required=False, default=False)
    cc = EmailListField(required=False, default=list)
    bcc = EmailListField(required=False, default=list)
    to = EmailListField(required=False, default=list)
    createdAt = DateTimeInField(required=False, allow_null=True)
    attachments = AttachmentInput(many=True, required=False, default=list)

    def validate_user(self, value: int | None) -> User | None:
        return None if value is None else acting_user(self.context["request"], value)

    def validate(self, data: dict) -> dict:
        if data["type"] in (Thread.Type.MESSAGE, Thread.Type.NOTE) and data.get("user") is None:
            raise serializers.ValidationError({"user": "Required for message and note threads."}, code="required")
        if not data["text"].strip():
            raise serializers.ValidationError({"text": "May not be empty."}, code="blank")
        return data


def as_customer_ref(data: dict) -> CustomerRef:
    """A validated ``CustomerRefInput``."""
    return CustomerRef(
        id=data.get("id"),
        email=data.get("email", ""),
        first_name=data.get("firstName", ""),
        last_name=data.get("lastName", ""),
        phone=data.get("phone", ""),
    )


def as_thread_intake(data: dict) -> ThreadIntake:
    """A validated ``ThreadInput``."""
    return ThreadIntake(
        thread=NewThread(
            type=data["type"],
            body=data["text"],
            user=data.get("user"),
            state=data.get("state", Thread.State.PUBLISHED),
            to=data["to"],
            cc=data["cc"],
            bcc=data["bcc"],
            created_at=data.get("createdAt"),
        ),
        customer=as_customer_ref(data["customer"]) if "customer" in data else None,
        attachments=[
            AttachmentSource(
                file_name=item["fileName"],
                content=item.get("content"),
                url=item.get("fileUrl", ""),
                mime_type=item.get("mimeType") or "",
            )
            for item in data["attachments"]
        ],
    )


def thread_error_paths(data: dict, *, domain: str = "", request: str = "") -> dict[str, str]:
    """Where the errors of a thread (``ThreadInput``) go in the request: ``domain``, the thread's name in
    the services' errors (``threads[0]``), becomes ``request``, its place in the body (``threads[2]``), its
    ``body`` its ``text`` and an attachment's ``url`` its ``fileUrl``."""
    paths = {domain: request} if domain else {}
    paths[field_under(domain, "body")] = field_under(request, "text")
    for index in range(len(data["attachments"])):
        attachment = f"attachments[{index}]"
        paths[field_under(domain, attachment) + ".url"] = field_under(request, attachment) + ".fileUrl"
    return paths


class CustomFieldValueInput(serializers.Serializer):
    id = IdField()
    value = serializers.JSONField(allow_null=True)


class ConversationCreateInput(serializers.Serializer):
    type = EnumField(Conversation.Type.values)
    mailboxId = IdField()
    subject = serializers.CharField(max_length=998)
    customer = CustomerRefInput()
    threads = ThreadInput(many=True, allow_empty=False)
    imported = FlexibleBooleanField(required=False, default=False)
    assignTo = IdField(required=False, allow_null=True)
    status = EnumField(CONVERSATION_STATUSES, required=False, default="active")
    state = EnumField(["draft", "published"], required=False, default="published")
    customFields = CustomFieldValueInput(many=True, required=False, default=list)
    createdAt = DateTimeInField(required=False, allow_null=True)
    closedAt = DateTimeInField(required=False, allow_null=True)

    def validate_mailboxId(self, value: int) -> Mailbox:
        mailbox = mailboxes_accessible_by(user=self.context["request"].user).filter(pk=value).first()
        if mailbox is None:
            raise serializers.ValidationError(f"No mailbox with id {value}.", code="invalid")
        return mailbox

    def validate_assignTo(self, value: int | None) -> User | None:
        if value is None:
            return None
        user = User.objects.filter(pk=value, status=User.Status.ACTIVE).first()
        if user is None:
            raise serializers.ValidationError(f"No active user with id {value}.", code="invalid")
        return user


class CustomFieldsInput(serializers.Serializer):
    customFields = CustomFieldValueInput(many=True)


class TagsInput(serializers.Serializer):
    tags = serializers.ListField(child=serializers.CharField(max_length=100, allow_blank=True))


class ConversationUpdateInput(serializers.Serializer):
    """PUT's parameters. They are applied in the order the client sent them (see the view)."""

    byUser = IdField(required=False)
    status = EnumField(CONVERSATION_STATUSES, required=False)
    # null, 0 or -1 unassign.
    assignTo = serializers.IntegerField(required=False, allow_null=True)
    mailboxId = IdField(required=False)
    customerId = IdField(required=False)
    subject = serializers.CharField(required=False, max_length=998)

    def validate_byUser(self, value: int) -> User:
        return acting_user(self.context["request"], value)

    def validate_assignTo(self, value: int | None) -> User | None:
        if value is None or value <= 0:
            return None
        user = User.objects.filter(pk=value, status=User.Status.ACTIVE).first()
        if user is None:
            raise serializers.ValidationError(f"No active user with id {value}.", code="invalid")
        return user

    def validate_mailboxId(self, value: int) -> Mailbox:
        mailbox = mailboxes_accessible_by(user=self.context["request"].user).filter(pk=value).first()
        if mailbox is None:
            raise serializers.ValidationError(f"No mailbox with id {value}.", code="invalid")
        return mailbox

    def validate_customerId(self, value: int) -> Customer:
        return visible_customer(self.context["request"], value)

    def validate(self, data: dict) -> dict:
        if "byUser" not in data and {"status", "assignTo", "mailboxId"} & set(data):
            raise serializers.ValidationError(
                {"byUser": "Required when changing status, assignTo or mailboxId."}, code="required"
            )
        return data


class TimelogCreateInput(serializers.Serializer):
    user = IdField()
    timeSpent = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=10 * 365 * 86400)

    def validate_user(self, value: int) -> User:
        user = acting_user(self.context["request"], value)
        if not mailbox_accessible_by(user=user, mailbox_id=self.context["conversation"].mailbox_id):
            raise serializers.ValidationError(f"{user.email} has no access to this mailbox.", code="invalid")
        return user


class TimelogUpdateInput(serializers.Serializer):
    action = EnumField(["pause", "stop", "resume"])
