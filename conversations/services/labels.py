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
from customers.services import field_values_clean
from helpdesk.errors import Conflict, Invalid, fields_under
from mailboxes.models import CustomField


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
    return tags


def custom_field_values_clean(*, mailbox_id: int, values: Sequence[tuple[int, object]]) -> dict[CustomField, str]:
    """The text to store for each ``(field id, value)`` given, by field, when every id is a custom field of
    the mailbox and every value fits its field; else ``Invalid`` at ``custom_fields[i].id`` or
    ``custom_fields[i].value`` (``customers.services.field_values_clean``)."""
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


def _tag_save(tag: Tag) -> Tag:
    tag.name = tag_name_normalise(tag.name)
    if not tag.name:
        raise Invalid({"name": "Enter a name."})
    if Tag.objects.filter(name__iexact=tag.name).exclude(pk=tag.pk).exists():
        raise Conflict({"name": "A tag with this name already exists."})
    tag.full_clean(validate_unique=False, validate_constraints=False)
    tag.save()
    return tag


@transaction.atomic
def tag_create(*, name: str, color: int = 0) -> Tag:
    """Stored as the API stores names (trimmed, lower-cased), so the same tag typed twice is one tag."""
    return _tag_save(Tag(name=name, color=color))


@transaction.atomic
def tag_update(*, tag: Tag, name: str | None = None, color: int | None = None) -> Tag:
    if name is not None:
        tag.name = name
    if color is not None:
        tag.color = color
    return _tag_save(tag)
