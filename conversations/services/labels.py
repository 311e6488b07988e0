"""Tags and custom field values of a conversation."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from conversations.models import (
    Conversation,
    ConversationTag,
    CustomFieldValue,
    Tag,
)
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


@transaction.atomic
def conversation_custom_fields_set(*, conversation: Conversation, values: dict[int, object]) -> None:
    """``{field id: value}``; an empty value clears the field. Fields must belong to the conversation's mailbox."""
    fields = {f.pk: f for f in CustomField.objects.filter(mailbox_id=conversation.mailbox_id, pk__in=list(values))}
    for field_id, value in values.items():
        custom_field = fields.get(field_id)
        if custom_field is None:
            raise ValidationError({str(field_id): "No such custom field in this mailbox."})
        try:
            text = custom_field.value_clean(value)
        except ValidationError as error:
            raise ValidationError({str(field_id): error.messages}) from None
        CustomFieldValue.objects.filter(conversation=conversation, field=custom_field).delete()
        if text != "":
            CustomFieldValue.objects.create(conversation=conversation, field=custom_field, value=text)
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=timezone.now())


def _tag_save(tag: Tag) -> Tag:
    tag.name = tag_name_normalise(tag.name)
    if not tag.name:
        raise ValidationError({"name": "Enter a name."})
    if Tag.objects.filter(name__iexact=tag.name).exclude(pk=tag.pk).exists():
        raise ValidationError({"name": ValidationError("A tag with this name already exists.", code="conflict")})
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
