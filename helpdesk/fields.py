"""Definitions of user-defined fields, shared by mailbox custom fields and customer fields, the small value
formats the models share (field codes and hexadecimal colours), and the column type of secrets kept at rest
encrypted (``EncryptedTextField``)."""

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn, TypeVar

from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.text import slugify

from helpdesk.crypto import SecretUnreadable, secret_decrypt, secret_encrypt
from helpdesk.errors import Invalid, fields_under

# Field codes: the stable name by which the LiveAgent API reads and writes a field's values ("varsymbol").
FIELD_CODE_MAX_LENGTH = 75


class FieldType(models.TextChoices):
    SINGLELINE = "singleline", "Single line"
    MULTILINE = "multiline", "Multi line"
    DROPDOWN = "dropdown", "Dropdown"
    DATE = "date", "Date"
    NUMBER = "number", "Number"


class FieldDefinition(models.Model):
    Type = FieldType

    name = models.CharField(max_length=75)
    # Unique (per mailbox for custom fields) case-insensitively; the services make one from the name when
    # none is given, and keep it when the name changes, so that API clients can rely on it.
    code = models.SlugField(
        max_length=FIELD_CODE_MAX_LENGTH,
        db_index=False,
        help_text="How the LiveAgent API names the field (letters, digits, _ and -); made from the name when empty.",
    )
    type = models.CharField(max_length=10, choices=Type.choices)
    # Dropdown options as {"<option id>": "<label>"}; a dropdown's stored value is the option id.
    options = models.JSONField(default=dict, blank=True)
    required = models.BooleanField(default=False)
    sort_order = models.IntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.type == self.Type.DROPDOWN:
            if not isinstance(self.options, dict) or not self.options:
                raise ValidationError({"options": "A dropdown needs options as {id: label}."})
            if not all(str(key).isdigit() and isinstance(label, str) and label for key, label in self.options.items()):
                raise ValidationError({"options": "Option ids must be numbers and labels non-empty text."})
        elif self.options not in ({}, None, ""):
            raise ValidationError({"options": "Only dropdown fields have options."})

    def option_label(self, value: str) -> str:
        if self.type != self.Type.DROPDOWN or not isinstance(self.options, dict):
            return ""
        return str(self.options.get(str(value), ""))

    def value_clean(self, value: object) -> str:
        """The value as stored (always text), or ``ValidationError`` if it does not fit the field's type.
        An empty value clears the field."""
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValidationError("Expected text or a number.")
        text = str(value).strip()
        if text == "":
            return ""
        if self.type == self.Type.SINGLELINE and ("\n" in text or len(text) > 255):
            raise ValidationError("Expected a single line of at most 255 characters.")
        if self.type == self.Type.NUMBER:
            try:
                number = Decimal(text)
            except InvalidOperation:
                raise ValidationError("Expected a number.") from None
            if not number.is_finite():
                raise ValidationError("Expected a number.")
        if self.type == self.Type.DATE:
            try:
                datetime.date.fromisoformat(text)
            except ValueError:
                raise ValidationError("Expected a date as YYYY-MM-DD.") from None
        if self.type == self.Type.DROPDOWN and text not in {str(key) for key in (self.options or {})}:
            choices = ", ".join(f"'{key}'" for key in (self.options or {}))
            raise ValidationError(f"Expected one of these: {choices}")
        return text


FieldT = TypeVar("FieldT", bound=FieldDefinition)


def field_values_clean(
    *, fields: Mapping[int, FieldT], values: Sequence[tuple[int, object]], unknown: str
) -> dict[FieldT, str]:
    """The text to store for each value given as ``(field id, value)``, by field; a field given twice keeps
    its last value. Every id is checked before any value: ``Invalid`` at ``[i].id`` for an id that is not in
    ``fields`` (the message is ``unknown`` with ``{id}`` filled in), at ``[i].value`` for a value its field
    refuses, ``i`` the value's position. Shared by customer fields and the mailboxes' custom fields."""
    for index, (field_id, _) in enumerate(values):
        if field_id not in fields:
            raise Invalid({f"[{index}].id": unknown.format(id=field_id)})
    last = {field_id: index for index, (field_id, _) in enumerate(values)}
    cleaned = {}
    for field_id, index in last.items():
        with fields_under(f"[{index}].value"):
            cleaned[fields[field_id]] = fields[field_id].value_clean(values[index][1])
    return cleaned


def field_code_from_name(name: str, *, taken: Iterable[str] = ()) -> str:
    """A code for a field named ``name``: its slug with underscores ("Purchase date" → "purchase_date"),
    "field" when the name has no ASCII letter or digit, and ``_2``, ``_3``… when one of ``taken`` (compared
    case-insensitively) has it already."""
    base = slugify(name).replace("-", "_").strip("_")[: FIELD_CODE_MAX_LENGTH - 6] or "field"
    used = {code.lower() for code in taken}
    code, suffix = base, 1
    while code.lower() in used:
        suffix += 1
        code = f"{base}_{suffix}"
    return code


# Colours as LiveAgent shows them: six hexadecimal digits, no "#" ("FFFFFF"); "" for none.
HEX_COLOR_REGEX = r"^([0-9A-F]{6})?$"


def hex_color_clean(value: str | None, *, field: str) -> str:
    """``value`` upper-cased when it is six hexadecimal digits (or empty); ``Invalid`` at ``field`` else."""
    text = (value or "").strip().upper()
    if not re.fullmatch(HEX_COLOR_REGEX, text):
        raise Invalid({field: "Expected a colour as six hexadecimal digits, such as FFFFFF."})
    return text


class UnreadableSecret:
    """What an encrypted column reads as when no configured key opens it. Loading the row works (pages that do
    not use the secret are unaffected), saving the row writes the stored token back unchanged, and any use of
    the value as text (``str``, ``.encode()``, formatting…) raises ``SecretUnreadable`` with the reason, so it
    is never taken for an empty password nor signs with a wrong key."""

    __slots__ = ("error", "token")

    def __init__(self, *, token: str, error: str) -> None:
        self.token, self.error = token, error

    def _refuse(self, *args: object) -> NoReturn:
        raise SecretUnreadable(self.error)

    __str__ = __len__ = __format__ = __iter__ = _refuse

    def __bool__(self) -> bool:
        return True  # it is set; Django tests values for truth everywhere

    def __getattr__(self, name: str) -> NoReturn:
        # Text's methods (``.encode()``, ``.replace()``…) refuse; Django's and copy's probes for other
        # attributes (``resolve_expression``, ``__deepcopy__``…) find none, as on any value.
        if name.startswith("__") or not hasattr(str, name):
            raise AttributeError(name)
        self._refuse()

    def __repr__(self) -> str:
        return "<unreadable secret>"


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token (``helpdesk.crypto``) and read back as text. Empty text stays empty, so
    "no password" remains visible; ``max_length`` limits the text, not the (longer) token. Equality lookups
    cannot match (every encryption differs), and nothing filters on these columns."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> "str | UnreadableSecret | None":
        if not value:
            return value
        try:
            return secret_decrypt(value)
        except SecretUnreadable as error:
            return UnreadableSecret(token=value, error=f"{self.model.__name__}.{self.name}: {error}")

    def to_python(self, value: Any) -> Any:
        return value if isinstance(value, UnreadableSecret) else super().to_python(value)

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, UnreadableSecret):
            return value.token
        value = super().get_prep_value(value)
        return secret_encrypt(value) if value else value

    def clean(self, value: Any, model_instance: models.Model | None) -> Any:
        # A secret nobody can read is kept as it is: editing its row's other columns must still work.
        if isinstance(value, UnreadableSecret):
            return value
        return super().clean(value, model_instance)

    @property
    def validators(self) -> list[Any]:
        # TextField checks no length; the text (not the token) is held to ``max_length``.
        extra = [validators.MaxLengthValidator(self.max_length)] if self.max_length else []
        return [*super().validators, *extra]
