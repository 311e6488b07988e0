"""Every write to a widget: create, replace (LiveAgent's PUT replaces the whole widget), delete, and the two
things its snippet reports, an impression and a submission. The LiveAgent API, the admin and the public
endpoints all call these.

A submission opens a conversation through ``conversation_intake``, the path the FreeScout API's
``POST /api/conversations`` takes: the customer is found or created by email, and webhooks, the auto-reply
and the agents' notifications follow as for any conversation a customer starts. It is marked as a web
conversation started by the customer (``source_type`` web, ``source_via`` customer, as FreeScout marks its
portal's and forms'), which the LiveAgent API shows as channel M (contact form)."""

import html
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TypedDict, Unpack

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_changes, audit_record
from conversations.models import Conversation, SourceType, Thread
from conversations.services import NewThread
from conversations.services.intake import CustomerRef, ThreadIntake, conversation_intake
from helpdesk.errors import Invalid, NotFound
from knowledgebase.models import DEFAULT_KNOWLEDGE_BASE, KnowledgeBase
from mailboxes.models import Mailbox
from widgets.fields import EMAIL_CODE, MESSAGE, NAME, SUBJECT, FormField, form_fields_effective, form_values_clean
from widgets.models import ATTRIBUTE_COLUMNS, FORM_FIELD_COLUMNS, Widget

CODE_FIELDS = (
    "online_code",
    "online_code_ieold",
    "offline_code",
    "offline_code_ieold",
    "online_code_css",
    "online_code_ieold_css",
    "offline_code_css",
    "offline_code_ieold_css",
)
# Bounds on what a widget holds: it is served to every page that embeds it.
MAX_LIST_ITEMS = 100
MAX_COLUMN_CHARS = 2000
MAX_CODE_CHARS = 65_536
MAX_DESCRIPTION_CHARS = 10_000
SUBJECT_CHARS = 80


class WidgetFields(TypedDict, total=False):
    """A widget's writable fields; what ``widget_update`` is not given is reset to its default."""

    provide: str
    knowledge_base: KnowledgeBase | None
    type: str
    use_code: str
    status: str
    description: str
    language: str
    last_display_time: datetime | None
    last_display_url: str
    attributes: Sequence[Mapping[str, Any]]
    form_fields: Sequence[Mapping[str, Any]]
    online_code: str | None
    online_code_ieold: str | None
    offline_code: str | None
    offline_code_ieold: str | None
    online_code_css: str | None
    online_code_ieold_css: str | None
    offline_code_css: str | None
    offline_code_ieold_css: str | None


def _rows_clean(name: str, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> list[dict[str, str]]:
    """``rows`` with every column, in the documented order, as text; ``Invalid`` at ``name[i].column`` for
    a row that is no object, a column not documented, or a value that is no text, number or null."""
    if not isinstance(rows, (list, tuple)):
        raise Invalid({name: "Expected a list of objects."})
    if len(rows) > MAX_LIST_ITEMS:
        raise Invalid({name: f"At most {MAX_LIST_ITEMS} items."})
    cleaned = []
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise Invalid({f"{name}[{index}]": f"Expected an object with the columns {', '.join(columns)}."})
        unknown = [key for key in row if key not in columns]
        if unknown:
            raise Invalid({f"{name}[{index}].{unknown[0]}": f"Unknown column; the columns are {', '.join(columns)}."})
        item = {}
        for column in columns:
            value = row.get(column)
            if value is None:
                value = ""
            elif isinstance(value, bool) or not isinstance(value, (str, int, float)):
                raise Invalid({f"{name}[{index}].{column}": "Expected text."})
            value = str(value)
            if "\x00" in value:
                raise Invalid({f"{name}[{index}].{column}": "Null characters are not allowed."})
            if len(value) > MAX_COLUMN_CHARS:
                raise Invalid({f"{name}[{index}].{column}": f"At most {MAX_COLUMN_CHARS} characters."})
            item[column] = value
        cleaned.append(item)
    return cleaned


def _form_fields_clean(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    cleaned = _rows_clean("form_fields", rows, FORM_FIELD_COLUMNS)
    seen: set[str] = set()
    for index, row in enumerate(cleaned):
        code = row["code"].strip()
        if not code:
            raise Invalid({f"form_fields[{index}].code": "A form field needs a code: it names the value sent."})
        if code in seen:
            raise Invalid({f"form_fields[{index}].code": f"Code {code!r} is used twice."})
        seen.add(code)
        row["code"] = code
    return cleaned


def _text(fields: dict[str, Any], name: str, max_chars: int) -> None:
    value = fields.get(name)
    if value is not None and len(value) > max_chars:
        raise Invalid({name: f"At most {max_chars} characters."})
    if value is not None and "\x00" in value:  # PostgreSQL cannot store it
        raise Invalid({name: "Null characters are not allowed."})


def _choice(fields: dict[str, Any], name: str, choices: type[Any]) -> None:
    if fields[name] not in choices.values:
        raise Invalid({name: f"Unknown code {fields[name]!r}; one of {', '.join(choices.values)}."})


def _values(name: str, mailbox: Mailbox, given: WidgetFields) -> dict[str, Any]:
    """Every writable column of a widget from ``given``, defaults for the rest, checked."""
    fields: dict[str, Any] = {
        "provide": "",
        "knowledge_base": None,
        "type": Widget.Type.CONTACT_FORM,
        "use_code": Widget.UseCode.BOTH,
        "status": Widget.Status.ACTIVE,
        "description": "",
        "language": "",
        "last_display_time": None,
        "last_display_url": "",
        **{code: None for code in CODE_FIELDS},
        **given,
    }
    name = (name or "").strip()
    if not name:
        raise Invalid({"name": "A widget needs a name."})
    fields["name"] = name
    fields["mailbox"] = mailbox
    _choice(fields, "type", Widget.Type)
    _choice(fields, "use_code", Widget.UseCode)
    _choice(fields, "status", Widget.Status)
    for column, limit in (("name", 255), ("provide", 20), ("language", 20), ("last_display_url", 2000)):
        _text(fields, column, limit)
    _text(fields, "description", MAX_DESCRIPTION_CHARS)
    for code in CODE_FIELDS:
        _text(fields, code, MAX_CODE_CHARS)
    if fields["knowledge_base"] is None and fields["type"] in Widget.SEARCH_TYPES:
        fields["knowledge_base"] = KnowledgeBase.objects.filter(pk=DEFAULT_KNOWLEDGE_BASE).first()
    fields["attributes"] = _rows_clean("attributes", given.get("attributes", []), ATTRIBUTE_COLUMNS)
    fields["form_fields"] = _form_fields_clean(given.get("form_fields", []))
    return fields


@transaction.atomic
def widget_create(*, name: str, mailbox: Mailbox, **given: Unpack[WidgetFields]) -> Widget:
    values = _values(name, mailbox, given)
    widget = Widget(**values)
    widget.save()
    audit_record(action=AuditAction.WIDGET_CREATED, target=widget, changes=audit_changes({}, values))
    return widget


@transaction.atomic
def widget_update(*, widget: Widget, name: str, mailbox: Mailbox, **given: Unpack[WidgetFields]) -> Widget:
    """Replaces the whole widget with what is given (absent fields take their defaults, as LiveAgent's PUT
    does); its counters, key and creation time stay."""
    values = _values(name, mailbox, given)
    widget = Widget.objects.select_for_update().get(pk=widget.pk)
    before = {column: getattr(widget, column) for column in values}
    for column, value in values.items():
        setattr(widget, column, value)
    widget.updated_at = timezone.now()
    widget.save()
    if changes := audit_changes(before, values):
        audit_record(action=AuditAction.WIDGET_UPDATED, target=widget, changes=changes)
    return widget


@transaction.atomic
def widget_delete(*, widget: Widget) -> None:
    audit_record(action=AuditAction.WIDGET_DELETED, target=widget)
    widget.delete()


def widget_impression(*, widget: Widget, url: str = "") -> None:
    """The snippet was shown on ``url`` (the page's address, as its script reports it, cut to the column)."""
    if not widget.is_live:
        return
    Widget.objects.filter(pk=widget.pk).update(
        impressions=F("impressions") + 1,
        last_display_time=timezone.now(),
        last_display_url=url[:2000].replace("\x00", ""),
    )


def _split_name(name: str) -> tuple[str, str]:
    first, _, last = name.strip().rpartition(" ")
    return (first, last) if first else (last, "")


def _subject(values: Mapping[str, str], widget: Widget) -> str:
    if values.get(SUBJECT):
        return values[SUBJECT]
    first_line = next((line.strip() for line in values[MESSAGE].splitlines() if line.strip()), "")
    if len(first_line) > SUBJECT_CHARS:
        first_line = first_line[: SUBJECT_CHARS - 1].rstrip() + "…"
    return first_line or widget.name


def _body(fields: Sequence[FormField], values: Mapping[str, str], widget: Widget, page_url: str) -> str:
    """The customer's message as HTML (escaped, line breaks kept), then the form's other answers and where it
    was sent from, for the agent."""
    paragraphs = [p for p in values[MESSAGE].replace("\r\n", "\n").split("\n\n") if p.strip()]
    parts = [f"<p>{html.escape(p.strip()).replace(chr(10), '<br>')}</p>" for p in paragraphs]
    extra = [f for f in fields if f.code not in (NAME, EMAIL_CODE, SUBJECT, MESSAGE) and values.get(f.code)]
    if extra:
        rows = "".join(
            f"<li><strong>{html.escape(f.label)}</strong>: {html.escape(values[f.code])}</li>" for f in extra
        )
        parts.append(f"<ul>{rows}</ul>")
    origin = f" on {html.escape(page_url)}" if page_url else ""
    parts.append(f"<p><small>Sent with the contact form “{html.escape(widget.name)}”{origin}.</small></p>")
    return "".join(parts)


def widget_submission(*, widget: Widget, values: Mapping[str, str], page_url: str = "") -> Conversation:
    """Opens a conversation in the widget's mailbox from what a visitor sent through its form (``values`` by
    field code), and counts it in ``tickets``. ``Invalid`` names each field at fault by its code;
    ``NotFound`` when the widget takes no submissions (inactive, or a search box)."""
    if not widget.is_live or widget.is_search:
        raise NotFound("This form is not available.")
    fields = form_fields_effective(widget.form_fields)
    cleaned = form_values_clean(fields, values)
    first_name, last_name = _split_name(cleaned.get(NAME, ""))
    page_url = page_url[:2000].replace("\x00", "")
    with transaction.atomic():
        conversation = conversation_intake(
            mailbox=widget.mailbox,
            subject=_subject(cleaned, widget),
            customer=CustomerRef(email=cleaned[EMAIL_CODE], first_name=first_name, last_name=last_name),
            threads=[
                ThreadIntake(thread=NewThread(type=Thread.Type.CUSTOMER, body=_body(fields, cleaned, widget, page_url)))
            ],
            source_type=SourceType.WEB,
        )
        Widget.objects.filter(pk=widget.pk).update(tickets=F("tickets") + 1)
    return conversation
