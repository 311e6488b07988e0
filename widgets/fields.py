"""What a widget's form asks for, and the check of what a visitor sent, shared by the snippet (which renders
the fields) and ``widget_submission`` (which checks the values): one definition, so the two cannot drift.

LiveAgent documents the columns of ``form_fields`` but not their codes (reference §3.9), so this is our
reading of them, documented in the README:
- ``code`` names the value sent (``name``, ``email``, ``subject`` and ``message`` have a meaning: the
  customer, the subject and the first message; any other is added to the message as "Name: value");
- ``name`` is the label, ``description`` the hint shown under it;
- ``rtype``: ``T`` one line of text, ``M`` several lines, ``E`` an email address, ``L`` a choice among
  ``availablevalues`` (comma-separated), ``C`` a checkbox; anything else is one line of text;
- ``rstatus``: ``M`` mandatory, anything else optional; ``visibility``: ``H`` hidden (not shown, not
  taken), anything else visible;
- ``validator``: ``email``, ``number``, ``phone`` or ``url``; anything else adds no check.
A form always asks for an email address and a message (the conversation needs both): when ``form_fields``
does not name them, they are added; with no ``form_fields`` at all, the form is name, email, subject,
message."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

from helpdesk.errors import Invalid

TEXT, MULTILINE, EMAIL, LIST, CHECKBOX = "T", "M", "E", "L", "C"
MANDATORY = "M"
HIDDEN = "H"
CHECKED = "Y"
# Customer and conversation columns these codes fill (customers.CustomerEmail is 191 long, a name 255).
NAME, EMAIL_CODE, SUBJECT, MESSAGE = "name", "email", "subject", "message"
_PHONE = re.compile(r"^\+?[0-9 ().-]{3,40}$")
_NUMBER = re.compile(r"^-?[0-9]+([.,][0-9]+)?$")


@dataclass(frozen=True)
class FormField:
    code: str
    label: str
    hint: str = ""
    kind: str = TEXT
    mandatory: bool = False
    choices: tuple[str, ...] = ()
    validator: str = ""

    @property
    def max_chars(self) -> int:
        if self.code == MESSAGE:
            return settings.HELPDESK_WIDGET_MESSAGE_MAX_CHARS
        return 191 if self.code == EMAIL_CODE else 255

    def as_config(self) -> dict[str, object]:
        """What the snippet's script needs to render the field."""
        return {
            "code": self.code,
            "label": self.label,
            "hint": self.hint,
            "kind": self.kind,
            "mandatory": self.mandatory,
            "choices": list(self.choices),
            "maxlength": self.max_chars,
        }


_EMAIL_FIELD = FormField(EMAIL_CODE, "Email", kind=EMAIL, mandatory=True, validator="email")
_MESSAGE_FIELD = FormField(MESSAGE, "Message", kind=MULTILINE, mandatory=True)
DEFAULT_FIELDS = (
    FormField(NAME, "Name"),
    _EMAIL_FIELD,
    FormField(SUBJECT, "Subject"),
    _MESSAGE_FIELD,
)


def _field(column: Mapping[str, str]) -> FormField:
    code = column["code"]
    kind = column["rtype"] if column["rtype"] in (TEXT, MULTILINE, EMAIL, LIST, CHECKBOX) else TEXT
    if code == EMAIL_CODE:
        kind = EMAIL
    choices = tuple(v.strip() for v in column["availablevalues"].split(",") if v.strip()) if kind == LIST else ()
    return FormField(
        code=code,
        label=column["name"] or code,
        hint=column["description"],
        kind=LIST if choices else (TEXT if kind == LIST else kind),
        # The conversation cannot go without these two.
        mandatory=column["rstatus"] == MANDATORY or code in (EMAIL_CODE, MESSAGE),
        choices=choices,
        validator="email" if kind == EMAIL else column["validator"].strip().lower(),
    )


def form_fields_effective(form_fields: Sequence[Mapping[str, str]]) -> list[FormField]:
    """The fields the form shows, in order, from a widget's (already checked) ``form_fields``."""
    if not form_fields:
        return list(DEFAULT_FIELDS)
    fields = [_field(column) for column in form_fields if column["visibility"] != HIDDEN and column["code"]]
    codes = {field.code for field in fields}
    if EMAIL_CODE not in codes:
        at = next((i for i, field in enumerate(fields) if field.code == MESSAGE), len(fields))
        fields.insert(at, _EMAIL_FIELD)
    if MESSAGE not in codes:
        fields.append(_MESSAGE_FIELD)
    return fields


def _check(field: FormField, value: str) -> str | None:
    """The error of one non-empty value, if any."""
    if "\x00" in value:
        return "Remove the null characters."
    if len(value) > field.max_chars:
        return f"At most {field.max_chars} characters."
    if field.kind == LIST and value not in field.choices:
        return "Choose one of the values offered."
    if field.kind == CHECKBOX and value != CHECKED:
        return f"Send {CHECKED} when checked."
    try:
        if field.validator == "email":
            EmailValidator()(value)
        elif field.validator == "url":
            URLValidator()(value)
    except ValidationError:
        return "Enter a valid email address." if field.validator == "email" else "Enter a valid URL."
    if field.validator == "phone" and not _PHONE.match(value):
        return "Enter a valid phone number."
    if field.validator == "number" and not _NUMBER.match(value):
        return "Enter a number."
    return None


def form_values_clean(fields: Sequence[FormField], values: Mapping[str, str]) -> dict[str, str]:
    """The values of ``fields`` (trimmed; "" for those not sent), or ``Invalid`` naming each field at fault by
    its code. Values for codes the form does not have are dropped."""
    cleaned: dict[str, str] = {}
    errors: dict[str, str] = {}
    for field in fields:
        value = values.get(field.code, "").strip()
        if not value:
            if field.mandatory:
                errors[field.code] = "This field is required."
        elif (error := _check(field, value)) is not None:
            errors[field.code] = error
        cleaned[field.code] = value
    if errors:
        raise Invalid(errors)
    return cleaned
