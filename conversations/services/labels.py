"""Tags and custom field values of a conversation."""

from collections.abc import Iterable, Mapping, Sequence

from django.db import transaction
from django.utils import timezone

from conversations.models import (
    Conversation,
    ConversationTag,
    CustomFieldValue,
    Tag,
)
from helpdesk.errors import Conflict, Invalid, fields_under
from helpdesk.fields import field_values_clean, hex_color_clean
from mailboxes.models import CustomField
from reports.services import figures_conversation_refresh, figures_tag_delete


def tag_name_normalise(name: str) -> str:
    return " ".join(str(name).split()).lower()[:100]


@transaction.atomic
def conversation_tags_set(*, conversation: Conversation, names: Iterable[str]) -> list[Tag]:
    """Makes ``names`` the conversation's whole tag list, creating unknown tags."""
    wanted = list(dict.fromkeys(n for n in (tag_name_normalise(name) for name in names) if n))
    tags = []
    for name in wanted:
        tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
        tags.append(tag)
    ConversationTag.objects.filter(conversation=conversation).exclude(tag__in=tags).delete()
    existing = set(ConversationTag.objects.filter(conversation=conversation).values_list("tag_id", flat=True))
    ConversationTag.objects.bulk_create(
        [ConversationTag(conversation=conversation, tag=tag) for tag in tags if tag.pk not in existing]
    )
    figures_conversation_refresh(conversation_id=conversation.pk)
    return tags


def custom_field_values_clean(*, mailbox_id: int, values: Sequence[tuple[int, object]]) -> dict[CustomField, str]:
    """The text to store for each ``(field id, value)`` given, by field, when every id is a custom field of
    the mailbox and every value fits its field; else ``Invalid`` at ``custom_fields[i].id`` or
    ``custom_fields[i].value`` (``helpdesk.fields.field_values_clean``)."""
    fields = CustomField.objects.filter(mailbox_id=mailbox_id).in_bulk([field_id for field_id, _ in values])
    with fields_under("custom_fields"):
        return field_values_clean(fields=fields, values=values, unknown="No custom field {id} in this mailbox.")


@transaction.atomic
def conversation_custom_fields_set(
    *, conversation: Conversation, values: Mapping[int, object] | Sequence[tuple[int, object]]
) -> None:
    """Sets the values, ``{field id: value}`` or ``(field id, value)`` pairs; an empty value clears the
    field. Refused as a whole (``custom_field_values_clean``) unless every field belongs to the
    conversation's mailbox and every value fits."""
    pairs = list(values.items()) if isinstance(values, Mapping) else list(values)
    cleaned = custom_field_values_clean(mailbox_id=conversation.mailbox_id, values=pairs)
    for field, text in cleaned.items():
        CustomFieldValue.objects.filter(conversation=conversation, field=field).delete()
        if text != "":
            CustomFieldValue.objects.create(conversation=conversation, field=field, value=text)
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=timezone.now())


def _tag_name(name: str, *, keep_case: bool) -> str:
    return " ".join(str(name).split())[:100] if keep_case else tag_name_normalise(name)


def _tag_save(tag: Tag) -> Tag:
    if not tag.name:
        raise Invalid({"name": "Enter a name."})
    if Tag.objects.filter(name__iexact=tag.name).exclude(pk=tag.pk).exists():
        raise Conflict({"name": "A tag with this name already exists."})
    tag.full_clean(validate_unique=False, validate_constraints=False)
    tag.save()
    return tag


@transaction.atomic
def tag_create(
    *, name: str, color: int = 0, text_color: str = "", background_color: str = "", keep_case: bool = False
) -> Tag:
    """Stored as the FreeScout API stores names (trimmed, lower-cased), so the same tag typed twice is one
    tag; with ``keep_case`` (the LiveAgent API) as typed, trimmed, still unique case-insensitively. The hex
    colours are six hexadecimal digits or "" (``Invalid`` at ``text_color`` / ``background_color``)."""
    tag = Tag(
        name=_tag_name(name, keep_case=keep_case),
        color=color,
        text_color=hex_color_clean(text_color, field="text_color"),
        background_color=hex_color_clean(background_color, field="background_color"),
    )
    return _tag_save(tag)


@transaction.atomic
def tag_update(
    *,
    tag: Tag,
    name: str | None = None,
    color: int | None = None,
    text_color: str | None = None,
    background_color: str | None = None,
    keep_case: bool = False,
) -> Tag:
    """Changes what is given (``tag_create`` says how names and colours are taken)."""
    if name is not None:
        tag.name = _tag_name(name, keep_case=keep_case)
    if color is not None:
        tag.color = color
    if text_color is not None:
        tag.text_color = hex_color_clean(text_color, field="text_color")
    if background_color is not None:
        tag.background_color = hex_color_clean(background_color, field="background_color")
    return _tag_save(tag)


def _custom_fields_by_code(*, mailbox_id: int) -> dict[str, CustomField]:
    """The mailbox's custom fields by lower-cased code (codes are unique per mailbox case-insensitively)."""
    return {field.code.lower(): field for field in CustomField.objects.filter(mailbox_id=mailbox_id)}


@transaction.atomic
def conversation_custom_field_values_add(
    *, conversation: Conversation, values: Sequence[tuple[str, object]]
) -> list[CustomFieldValue]:
    """Adds a value for each ``(field code, value)`` given, in order, after the values the fields hold (the
    LiveAgent API keeps every value of a field; the FreeScout API shows the newest). Codes compare
    case-insensitively; an empty value adds nothing. All or nothing: every code is checked before any value,
    ``Invalid`` at ``custom_fields[i].code`` for a code no custom field of the mailbox has, then at
    ``custom_fields[i].value`` for a value its field refuses."""
    by_code = _custom_fields_by_code(mailbox_id=conversation.mailbox_id)
    fields = []
    for index, (code, _) in enumerate(values):
        field = by_code.get(str(code).strip().lower())
        if field is None:
            raise Invalid({f"custom_fields[{index}].code": f"No custom field with code {code!r} in this mailbox."})
        fields.append(field)
    rows = []
    for index, (field, (_, value)) in enumerate(zip(fields, values, strict=True)):
        with fields_under(f"custom_fields[{index}].value"):
            text = field.value_clean(value)
        if text != "":
            rows.append(CustomFieldValue(conversation=conversation, field=field, value=text))
    if rows:
        CustomFieldValue.objects.bulk_create(rows)
        Conversation.objects.filter(pk=conversation.pk).update(updated_at=timezone.now())
    return rows


@transaction.atomic
def conversation_custom_field_values_delete(*, conversation: Conversation, code: str | None = None) -> int:
    """Deletes every value of the custom field with this ``code`` (case-insensitive; ``Invalid`` at ``code``
    when the mailbox has none), or of every field when ``code`` is None. Returns how many values went."""
    values = CustomFieldValue.objects.filter(conversation=conversation)
    if code is not None:
        field = _custom_fields_by_code(mailbox_id=conversation.mailbox_id).get(code.strip().lower())
        if field is None:
            raise Invalid({"code": f"No custom field with code {code!r} in this mailbox."})
        values = values.filter(field=field)
    deleted, _ = values.delete()
    if deleted:
        Conversation.objects.filter(pk=conversation.pk).update(updated_at=timezone.now())
    return deleted


def _tag_named(name: str) -> Tag | None:
    """The tag with this name, compared as names are stored: trimmed, whitespace collapsed, any case."""
    return Tag.objects.filter(name__iexact=" ".join(str(name).split())[:100]).first()


@transaction.atomic
def conversation_tag_add(
    *, conversation: Conversation, tag: Tag | None = None, name: str = "", keep_case: bool = False
) -> Tag:
    """Puts ``tag`` on the conversation, or the tag named ``name`` (any case), created when unknown as
    ``tag_create`` takes names. A tag already on it stays as it is."""
    if tag is None:
        tag = _tag_named(name) or tag_create(name=name, keep_case=keep_case)
    ConversationTag.objects.bulk_create([ConversationTag(conversation=conversation, tag=tag)], ignore_conflicts=True)
    figures_conversation_refresh(conversation_id=conversation.pk)
    return tag


@transaction.atomic
def conversation_tag_remove(*, conversation: Conversation, tag: Tag | None = None, name: str = "") -> bool:
    """Takes ``tag``, or the tag named ``name`` (any case), off the conversation; False when it was not on
    it (or no tag has that name)."""
    tag = tag or _tag_named(name)
    if tag is None:
        return False
    deleted, _ = ConversationTag.objects.filter(conversation=conversation, tag=tag).delete()
    figures_conversation_refresh(conversation_id=conversation.pk)
    return deleted > 0


@transaction.atomic
def tag_delete(*, tag: Tag) -> None:
    """Deletes the tag, and so takes it off every conversation."""
    figures_tag_delete(tag_id=tag.pk)
    tag.delete()
