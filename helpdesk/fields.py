"""Definitions of user-defined fields, shared by mailbox custom fields and customer fields."""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class FieldType(models.TextChoices):
    SINGLELINE = "singleline", "Single line"
    MULTILINE = "multiline", "Multi line"
    DROPDOWN = "dropdown", "Dropdown"
    DATE = "date", "Date"
    NUMBER = "number", "Number"


class FieldDefinition(models.Model):
    Type = FieldType

    name = models.CharField(max_length=75)
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
