"""Definitions of user-defined fields, shared by mailbox custom fields and customer fields, and the small value
formats the models share: field codes and hexadecimal colours."""

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.text import slugify

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
