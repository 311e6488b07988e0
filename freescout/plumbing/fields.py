"""Input fields with FreeScout's leniency: numeric strings count as numbers, booleans come in many forms,
dates may carry ``Z``, an offset or no zone (UTC). Values that are present and wrong are refused."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from rest_framework import serializers

from freescout.plumbing.params import MAX_ID, expected_one_of


class EnumField(serializers.ChoiceField):
    """Refuses an unknown value with the docs' wording: "Expected one of these: 'a', 'b'"."""

    def __init__(self, choices: Iterable[str], **kwargs):
        choices = list(choices)
        kwargs.setdefault("error_messages", {"invalid_choice": expected_one_of(choices)})
        super().__init__(choices=choices, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = data.strip()
        return super().to_internal_value(data)


class FlexibleBooleanField(serializers.BooleanField):
    # FreeScout clients send all of these; "" means false.
    TRUE_VALUES = {True, "1", "true", "True", "TRUE"}
    FALSE_VALUES = {False, "0", "false", "False", "FALSE", ""}
    NULL_VALUES = {None, "null"}


class IdField(serializers.IntegerField):
    """A row id: a positive whole number, given as a number or a numeric string."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or (isinstance(data, float) and not data.is_integer()):
            self.fail("invalid")
        return super().to_internal_value(data)


class DateTimeInField(serializers.DateTimeField):
    """ISO 8601 with ``Z``, an offset, or no zone (taken as UTC)."""


class EmailListField(serializers.Field):
    """A list of addresses, or one comma-separated string of them; normalised to lower case."""

    default_error_messages = {"invalid": "Expected a list of email addresses.", "email": "Invalid email: {value}."}

    def to_internal_value(self, data) -> list[str]:
        if isinstance(data, str):
            data = [part for part in data.split(",") if part.strip()]
        if not isinstance(data, list) or not all(isinstance(item, str) for item in data):
            self.fail("invalid")
        addresses = []
        for item in data:
            address = item.strip().lower()
            try:
                validate_email(address)
            except DjangoValidationError:
                self.fail("email", value=item)
            addresses.append(address)
        return addresses

    def to_representation(self, value):
        return value
