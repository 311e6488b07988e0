"""Request bodies of the mailbox admin endpoints (extensions), validated into keyword arguments for
``mailboxes.services``.

Field names are the API's (camelCase) so that error paths name what the client sent; ``*_kwargs`` turn
them into the services' argument names. Unknown keys are ignored, as everywhere in the API."""

from rest_framework import serializers

from freescout.plumbing.fields import EmailListField, EnumField, FlexibleBooleanField
from helpdesk.fields import FieldType
from mailboxes.models import Mailbox

# API name → Mailbox field, for the body and for mapping the service's errors back to request paths.
MAILBOX_PATHS = {
    "name": "name",
    "email": "email",
    "aliases": "aliases",
    "signature": "signature",
    "fromName": "from_name",
    "fromNameCustom": "from_name_custom",
    "autoReplyEnabled": "auto_reply_enabled",
    "autoReplySubject": "auto_reply_subject",
    "autoReplyMessage": "auto_reply_message",
    "outMethod": "out_method",
    "outServer": "out_server",
    "outPort": "out_port",
    "outUsername": "out_username",
    "outPassword": "out_password",
    "outEncryption": "out_encryption",
    "inServer": "in_server",
    "inPort": "in_port",
    "inUsername": "in_username",
    "inPassword": "in_password",
    "inEncryption": "in_encryption",
    "inValidateCert": "in_validate_cert",
    "inImapFolders": "in_imap_folders",
}

CUSTOM_FIELD_PATHS = {
    "name": "name",
    "type": "type",
    "options": "options",
    "required": "required",
    "sortOrder": "sort_order",
}

# Service argument (as the services' errors name it) → request path.
MAILBOX_ERROR_PATHS = {field: name for name, field in MAILBOX_PATHS.items()}
CUSTOM_FIELD_ERROR_PATHS = {field: name for name, field in CUSTOM_FIELD_PATHS.items()}


def _text(max_length: int | None = None, **kwargs) -> serializers.CharField:
    # null clears an optional text setting, like "". No max_length is DRF's default None (no limit), which the
    # stubs do not allow.
    return serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=max_length,  # type: ignore[arg-type]
        **kwargs,
    )


def _port() -> serializers.IntegerField:
    return serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=65535)


class ImapFoldersField(serializers.Field):
    """A list of IMAP folder names, or one comma-separated string of them; stored comma-separated."""

    default_error_messages = {"invalid": "Expected a list of folder names or a comma-separated string."}

    def to_internal_value(self, data) -> str:
        if isinstance(data, str):
            data = data.split(",")
        if not isinstance(data, list) or not all(isinstance(item, str) for item in data):
            self.fail("invalid")
        return ",".join(name.strip() for name in data if name.strip())

    def to_representation(self, value):
        return value


class MailboxInput(serializers.Serializer):
    """``POST /api/mailboxes`` (name and email required) and, with ``partial=True``, ``PUT``."""

    name = serializers.CharField(max_length=40)
    email = serializers.EmailField(max_length=191)
    aliases = EmailListField(required=False, allow_null=True)
    signature = _text(trim_whitespace=False)
    fromName = EnumField(Mailbox.FromName.values, required=False)
    fromNameCustom = _text(128)
    autoReplyEnabled = FlexibleBooleanField(required=False)
    autoReplySubject = _text(128)
    autoReplyMessage = _text(trim_whitespace=False)
    outMethod = EnumField(Mailbox.OutMethod.values, required=False)
    outServer = _text(255)
    outPort = _port()
    outUsername = _text(255)
    outPassword = _text(255, trim_whitespace=False)
    outEncryption = EnumField(Mailbox.Encryption.values, required=False)
    inServer = _text(255)
    inPort = _port()
    inUsername = _text(255)
    inPassword = _text(255, trim_whitespace=False)
    inEncryption = EnumField(Mailbox.Encryption.values, required=False)
    inValidateCert = FlexibleBooleanField(required=False)
    inImapFolders = ImapFoldersField(required=False)

    def mailbox_kwargs(self) -> dict:
        kwargs = {}
        for key, value in self.validated_data.items():
            if key == "aliases":
                value = ", ".join(value or [])
            elif value is None and key not in ("outPort", "inPort"):
                value = ""
            kwargs[MAILBOX_PATHS[key]] = value
        return kwargs


class DropdownOptionsField(serializers.Field):
    """A dropdown's options as ``{id: label}``, or a list of labels numbered 1..n. ``""`` and null mean
    none. What the object holds is checked by ``FieldDefinition.clean``."""

    default_error_messages = {"invalid": "Expected an object of option id → label, or a list of labels."}

    def to_internal_value(self, data) -> dict:
        if data in ("", None):
            return {}
        if isinstance(data, list):
            if not all(isinstance(label, str) for label in data):
                self.fail("invalid")
            return {str(number): label.strip() for number, label in enumerate(data, start=1)}
        if isinstance(data, dict):
            return {str(key).strip(): label.strip() if isinstance(label, str) else label for key, label in data.items()}
        self.fail("invalid")

    def to_representation(self, value):
        return value


class CustomFieldInput(serializers.Serializer):
    """``POST /api/mailboxes/{id}/custom_fields`` (name and type required) and, partial, ``PUT``."""

    name = serializers.CharField(max_length=75)
    type = EnumField(FieldType.values)
    options = DropdownOptionsField(required=False, allow_null=True)
    # DRF takes declared fields off the class, so this does not replace ``Field.required``; the stubs cannot see it.
    required = FlexibleBooleanField(required=False)  # type: ignore[assignment]
    sortOrder = serializers.IntegerField(required=False, min_value=-2147483648, max_value=2147483647)

    def custom_field_kwargs(self) -> dict:
        kwargs = {CUSTOM_FIELD_PATHS[key]: value for key, value in self.validated_data.items()}
        if "options" in kwargs and kwargs["options"] is None:
            kwargs["options"] = {}
        return kwargs
