"""Entity JSON as the FreeScout API shows it, shared by its endpoints: dates, users, field definitions. One
function per entity, used by the API's GETs and by webhook bodies, so the two cannot drift. Inputs come from
selectors with their related rows loaded."""

import datetime
import gc
from collections.abc import Iterator
from contextlib import contextmanager

import orjson

from helpdesk.fields import FieldDefinition, FieldType
from helpdesk.links import file_url, stored_file_url
from helpdesk.models import User

_RFC3339_UTC_SECONDS = orjson.OPT_UTC_Z | orjson.OPT_OMIT_MICROSECONDS


def date_out(moment: datetime.datetime | None) -> str | None:
    """``YYYY-MM-DDThh:mm:ssZ`` in UTC; ``None`` stays ``None`` (never ""). Written by orjson's compiled
    RFC 3339 writer (a year always has four digits, microseconds are dropped): a fifth of the time of
    ``isoformat`` and slicing, which counts at 250 dates a page of conversations."""
    if moment is None:
        return None
    if moment.tzinfo is not datetime.UTC:
        moment = moment.astimezone(datetime.UTC)
    return orjson.dumps(moment, option=_RFC3339_UTC_SECONDS)[1:-1].decode()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector held off while a page's payloads are built. They are thousands of
    dicts and lists, none in a cycle (reference counting frees them with the response), yet every 700 new
    ones start a collection that walks them, and each tenth of those the older generation too: a large
    share of the CPU of a page with ``embed=threads`` (benchmarks/README.md). Process-wide, so another
    thread's collection waits too, for as long as one page takes; the collector is turned back on only if
    it was on."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def user_short_payload(pk: int, first_name: str, last_name: str, photo: str, email: str) -> dict:
    """UserShort, as conversations and threads show their users (``conversations.pages.UserShort``)."""
    return {
        "id": pk,
        "type": "user",
        "firstName": first_name,
        "lastName": last_name,
        "photoUrl": stored_file_url(photo),
        "email": email,
    }


def user_payload(user: User) -> dict:
    return {
        "id": user.pk,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "email": user.email,
        "role": user.role,
        "alternateEmails": user.alternate_emails or None,
        "jobTitle": user.job_title,
        "phone": user.phone,
        "timezone": user.timezone,
        "photoUrl": file_url(user.photo),
        "language": user.language,
        "createdAt": date_out(user.created_at),
        "updatedAt": date_out(user.updated_at),
    }


def _option_order(key: str) -> tuple[bool, int, str]:
    return (not key.isdigit(), int(key) if key.isdigit() else 0, key)


def _field_options(field: FieldDefinition) -> dict[str, str] | str | None:
    """A dropdown's ``{option id: label}``; otherwise what the docs' example shows: ``null`` for a date
    field, ``""`` for the others. Options are listed by id, since PostgreSQL's jsonb keeps no key order
    and SQLite does: both databases then answer the same."""
    if field.type == FieldType.DROPDOWN:
        options = field.options if isinstance(field.options, dict) else {}
        return {str(key): str(options[key]) for key in sorted(options, key=lambda k: _option_order(str(k)))}
    if field.type == FieldType.DATE:
        return None
    return ""


def field_definition_payload(field: FieldDefinition) -> dict:
    """A field definition: a mailbox custom field, or a customer field (same shape)."""
    return {
        "id": field.pk,
        "name": field.name,
        "type": field.type,
        "options": _field_options(field),
        "required": field.required,
        "sortOrder": field.sort_order,
    }
