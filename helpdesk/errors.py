"""The few kinds of error the domain raises. Each API dialect maps them to its own status codes and field
names in one place; the admin and the commands catch the Django exceptions they extend, as before.

- ``Invalid`` (a ``ValidationError``): the input is refused. Its fields are named in domain terms: service
  arguments, with ``.`` into an object and ``[i]`` into a list, as ``customer.email``,
  ``threads[2].attachments[0].url`` or ``custom_fields[1].id`` (``fields_under`` builds such names).
- ``Conflict`` (an ``Invalid``): refused because of what already exists (a name or an address taken, a
  webhook that depends on the mailbox), not because of the input's form.
- ``NotFound`` (an ``ObjectDoesNotExist``) and ``NotAllowed`` (a ``PermissionDenied``).

Infrastructure: imports nothing from the project.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied, ValidationError


class Invalid(ValidationError):
    pass


class Conflict(Invalid):
    """A kind of ``Invalid`` so that whoever only tells right input from wrong (forms, the admin, a
    ``message_dict`` reader) keeps working; a dialect that answers conflicts apart checks for it first."""


class NotFound(ObjectDoesNotExist):
    pass


class NotAllowed(PermissionDenied):
    pass


def invalid_renamed(error: ValidationError, rename: Callable[[str], str]) -> Invalid:
    """``error`` with each field renamed (a message for no field counts as field ``""``), of the same
    kind: a ``Conflict`` stays one, any other ``ValidationError`` becomes ``Invalid``."""
    kind = Conflict if isinstance(error, Conflict) else Invalid
    fields = error.error_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.error_list}
    renamed: dict[str, list[ValidationError]] = {}
    for field, errors in fields.items():
        name = rename("" if field == NON_FIELD_ERRORS else field) or NON_FIELD_ERRORS
        renamed.setdefault(name, []).extend(errors)
    return kind(renamed[NON_FIELD_ERRORS] if list(renamed) == [NON_FIELD_ERRORS] else renamed)


def field_under(prefix: str, field: str) -> str:
    """``field`` named inside ``prefix``: "user" under "threads[2]" is "threads[2].user", "[0]" under
    "emails" is "emails[0]"; "" (the whole) under "customer" is "customer", and anything under "" itself."""
    if not (prefix and field):
        return prefix or field
    return f"{prefix}{field}" if field.startswith("[") else f"{prefix}.{field}"


@contextmanager
def fields_under(prefix: str) -> Iterator[None]:
    """Names the fields of a ``ValidationError`` raised inside under ``prefix`` (see ``field_under``), so
    that a service called for one part of the input reports where in the input it failed."""
    try:
        yield
    except ValidationError as error:
        raise invalid_renamed(error, lambda field: field_under(prefix, field)) from None
