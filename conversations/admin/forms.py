"""The forms of the conversation page. Each parses one kind of change and hands it to its service;
``save`` returns the message to show."""

from typing import Any, ClassVar, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from conversations.admin.composer import AddressesField, composer_html, composer_text, signature_html
from conversations.models import AgentPreferences, Conversation, ConversationStar, DelayedReply, Status, Thread
from conversations.selectors import agent_preferences_of, thread_draft_of, threads_arrived_after
from conversations.services import (
    NewAttachment,
    NewThread,
    conversation_custom_fields_set,
    conversation_delete,
    conversation_restore,
    conversation_star,
    conversation_tags_set,
    conversation_update,
)
from conversations.services.delayed_replies import reply_send
from helpdesk.fields import FieldType
from helpdesk.models import User
from mailboxes.models import CustomField, Mailbox
from mailboxes.selectors import mailboxes_accessible_by, users_with_access


class PageForm(forms.Form):
    """A form of the conversation page, told apart by its ``op`` (posted as a hidden input)."""

    op: ClassVar[str]

    def __init__(self, *args: Any, conversation: Conversation, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conversation, self.user = conversation, user

    def save(self) -> str:
        raise NotImplementedError


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(file, initial) for file in files if file]


class ReplyForm(PageForm):
    op = "reply"

    type = forms.ChoiceField(
        choices=[(Thread.Type.MESSAGE, "Reply to the customer"), (Thread.Type.NOTE, "Note for the team")],
        initial=Thread.Type.MESSAGE,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label="Reply", widget=forms.Textarea(attrs={"rows": 6, "placeholder": "Write your reply…"}), strip=True
    )
    # The rich editor's HTML (conversations/static/conversations/composer.js); without JavaScript, ``text``.
    html = forms.CharField(required=False, strip=True, widget=forms.HiddenInput)
    to = AddressesField(label="To")
    cc = AddressesField(label="Cc")
    bcc = AddressesField(label="Bcc")
    attachments = MultipleFileField(required=False)
    status = forms.ChoiceField(
        label="Status after sending",
        required=False,
        choices=[
            ("", "As usual (reply: pending, note: unchanged)"),
            (Status.ACTIVE, "Active"),
            (Status.PENDING, "Pending"),
            (Status.CLOSED, "Closed"),
        ],
    )

    after_send = forms.ChoiceField(
        label="After sending", required=False, choices=[("", "—"), *AgentPreferences.AfterSend.choices]
    )
    # The newest thread the agent's page showed; a reply over newer threads from others asks first.
    seen_thread = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    send_anyway = forms.BooleanField(required=False)

    def __init__(self, *args: Any, after_send: str | None = None, **kwargs: Any) -> None:
        """``after_send``: the agent's preference, when the caller has read it already."""
        super().__init__(*args, **kwargs)
        if after_send is None and not self.is_bound:
            after_send = agent_preferences_of(user=self.user).after_send
        self.initial["after_send"] = after_send if not self.is_bound else ""
        # The agent's draft (autosaved as they wrote, here or on another device) opens in the composer; Send
        # publishes it.
        self.draft = thread_draft_of(conversation_id=self.conversation.pk, user=self.user)
        self.delayed: DelayedReply | None = None  # set by ``save`` when the reply waits its undo window
        customer_email = self.conversation.customer_email
        self.initial.update(to=[customer_email] if customer_email else [], cc=list(self.conversation.cc or ()))
        self.signature = signature_html(self.conversation.mailbox)
        self.max_bytes = settings.HELPDESK_ATTACHMENT_MAX_BYTES
        if self.draft is not None and not self.is_bound:
            self.initial.update(type=self.draft.type, text=composer_text(self.draft.body), html=self.draft.body)
            if self.draft.to or self.draft.cc or self.draft.bcc:
                self.initial.update(to=self.draft.to, cc=self.draft.cc, bcc=self.draft.bcc)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        seen = cleaned.get("seen_thread")
        if seen is None or cleaned.get("send_anyway") or self.errors:
            return cleaned
        arrived = list(
            threads_arrived_after(conversation=self.conversation, thread_id=seen, user=self.user).select_related(
                "created_by_user", "created_by_customer"
            )[:20]
        )
        if arrived:
            authors = list(dict.fromkeys(_author(thread) for thread in arrived))
            raise ValidationError(
                f"{len(arrived)} new {'message' if len(arrived) == 1 else 'messages'} from {', '.join(authors)} "
                f"arrived after you opened this conversation: read {'it' if len(arrived) == 1 else 'them'} "
                "in the timeline, then send anyway or change your reply.",
                code="stale",
            )
        return cleaned

    def recipients(self, name: str) -> list[str]:
        """The thread's ``to``, ``cc`` or ``bcc``; none for a note, which is emailed to nobody."""
        return [] if self.cleaned_data["type"] == Thread.Type.NOTE else self.cleaned_data[name]

    def clean_attachments(self) -> list[UploadedFile]:
        files = self.cleaned_data["attachments"]
        limit = settings.HELPDESK_ATTACHMENT_MAX_BYTES
        for file in files:
            if file.size > limit:
                raise ValidationError(f"{file.name} is larger than {limit} bytes.")
        return files

    def save(self) -> str:
        data = self.cleaned_data
        attachments = [
            NewAttachment(
                file_name=file.name, content=file.read(), mime_type=file.content_type or "application/octet-stream"
            )
            for file in data["attachments"]
        ]
        # A reply waits out the undo window (``HELPDESK_UNDO_SEND_SECONDS``) as a ``DelayedReply``; a note
        # is added at once.
        sent = reply_send(
            conversation=self.conversation,
            thread=NewThread(
                type=data["type"],
                body=composer_html(data["html"], data["text"]),
                user=self.user,
                attachments=attachments,
                to=self.recipients("to"),
                cc=self.recipients("cc"),
                bcc=self.recipients("bcc"),
            ),
            status=data["status"] or None,
            draft=self.draft,
            undo_seconds=settings.HELPDESK_UNDO_SEND_SECONDS,
        )
        if isinstance(sent, DelayedReply):
            self.delayed = sent
            return f"Sending your reply in {settings.HELPDESK_UNDO_SEND_SECONDS:g} s: you can still undo it."
        return "Note added." if sent.type == Thread.Type.NOTE else "Reply sent."


def _author(thread: Thread) -> str:
    person = thread.created_by_user or thread.created_by_customer
    if person is None:
        return "someone"
    return person.get_full_name() or getattr(person, "email", "") or "someone"


class PropertiesForm(PageForm):
    """Status, assignee and mailbox. Only the inputs present in the request are changes, so that a
    button can post one of them alone (Assign to me, Close)."""

    op = "update"
    FIELDS = ("mailbox", "assignee", "status")  # applied in this order: a new assignee is checked in the new mailbox

    status = forms.ChoiceField(choices=Status.choices, required=False)
    assignee = forms.ModelChoiceField(User.objects.none(), required=False, empty_label="Nobody")
    mailbox = forms.ModelChoiceField(Mailbox.objects.none(), required=False, empty_label=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        conversation = self.conversation
        # The fields declared above; ``self.fields`` is typed as holding any kind.
        assignee = cast(forms.ModelChoiceField, self.fields["assignee"])
        mailbox = cast(forms.ModelChoiceField, self.fields["mailbox"])
        assignee.queryset = users_with_access(mailbox=conversation.mailbox).order_by("first_name")
        mailbox.queryset = mailboxes_accessible_by(user=self.user).order_by("name")
        self.initial.update(
            status=conversation.status, assignee=conversation.assignee_id, mailbox=conversation.mailbox_id
        )

    def changes(self) -> list[tuple[str, Any]]:
        current = {
            "mailbox": self.conversation.mailbox,
            "assignee": self.conversation.assignee,
            "status": self.conversation.status,
        }
        return [
            (name, self.cleaned_data[name])
            for name in self.FIELDS
            if name in self.data and self.cleaned_data[name] != current[name]
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if "status" in self.data and not cleaned.get("status"):
            self.add_error("status", "Choose a status.")
        if "mailbox" in self.data and cleaned.get("mailbox") is None:
            self.add_error("mailbox", "Choose a mailbox.")
        return cleaned

    def save(self) -> str:
        changes = self.changes()
        if changes:
            conversation_update(conversation=self.conversation, by_user=self.user, changes=changes)
        return "Conversation updated." if changes else "Nothing to change."


class StarForm(PageForm):
    op = "star"

    def save(self) -> str:
        starred = ConversationStar.objects.filter(conversation=self.conversation, user=self.user).exists()
        conversation_star(conversation=self.conversation, user=self.user, starred=not starred)
        return "Unstarred." if starred else "Starred."


class DeletedForm(PageForm):
    """Moves the conversation to the Deleted folder, or out of it."""

    op = "deleted"

    restore = forms.BooleanField(required=False)

    def save(self) -> str:
        if self.cleaned_data["restore"]:
            conversation_restore(conversation=self.conversation, by_user=self.user)
            return "Restored."
        conversation_delete(conversation=self.conversation, by_user=self.user)
        return "Moved to Deleted."


class TagsForm(PageForm):
    op = "tags"

    tags = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"placeholder": "tag, another tag", "list": "hd-known-tags"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["tags"] = ", ".join(tag.name for tag in self.conversation.tags.order_by("name"))

    def save(self) -> str:
        conversation_tags_set(conversation=self.conversation, names=self.cleaned_data["tags"].split(","))
        return "Tags saved."


def custom_field_formfield(field: CustomField) -> forms.Field:
    common: dict[str, Any] = {"label": field.name, "required": False}
    if field.type == FieldType.DROPDOWN:
        options = sorted((field.options or {}).items(), key=lambda item: (not item[0].isdigit(), item[0].zfill(12)))
        return forms.ChoiceField(choices=[("", "—"), *options], **common)
    if field.type == FieldType.MULTILINE:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), **common)
    if field.type == FieldType.DATE:
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if field.type == FieldType.NUMBER:
        return forms.CharField(widget=forms.NumberInput(attrs={"step": "any"}), **common)
    return forms.CharField(**common)


class CustomFieldsForm(PageForm):
    """The mailbox's custom fields; the service checks each value against its field's type."""

    op = "fields"

    def __init__(
        self,
        *args: Any,
        custom_fields: list[CustomField] | None = None,
        values: dict[int, str] | None = None,
        **kwargs: Any,
    ) -> None:
        """``custom_fields`` and ``values``: the mailbox's fields (in their order) and the conversation's
        values by field id, when the caller has read them already."""
        super().__init__(*args, **kwargs)
        if custom_fields is None or values is None:
            custom_fields = list(CustomField.objects.filter(mailbox_id=self.conversation.mailbox_id))
            values = dict(self.conversation.custom_field_values.order_by("id").values_list("field_id", "value"))
        self.custom_fields = custom_fields
        for field in self.custom_fields:
            self.fields[f"field_{field.pk}"] = custom_field_formfield(field)
            self.initial[f"field_{field.pk}"] = values.get(field.pk, "")

    def save(self) -> str:
        values = {field.pk: self.cleaned_data[f"field_{field.pk}"] for field in self.custom_fields}
        try:
            conversation_custom_fields_set(conversation=self.conversation, values=values)
        except ValidationError as error:
            names = {f"custom_fields[{index}].value": field.name for index, field in enumerate(self.custom_fields)}
            raise ValidationError(
                [f"{names.get(key, key)}: {' '.join(texts)}" for key, texts in error.message_dict.items()]
            ) from None
        return "Custom fields saved."


PAGE_FORMS: dict[str, type[PageForm]] = {
    form.op: form for form in (ReplyForm, PropertiesForm, StarForm, DeletedForm, TagsForm, CustomFieldsForm)
}
