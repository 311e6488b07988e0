from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from conversations.models import Attachment, Conversation, CustomFieldValue, Status, Tag, Thread, Timelog
from conversations.services import (
    conversation_assign,
    conversation_change_status,
    conversation_change_subject,
    conversation_delete,
    conversation_delete_forever,
    conversation_move,
    conversation_restore,
    conversation_tags_set,
    tag_name_normalise,
    text_preview,
)
from helpdesk.admin import ReadOnlyAdminMixin, ServiceErrorsAsMessagesMixin, adopt
from mailboxes.selectors import mailbox_accessible_by

EXCERPT_LENGTH = 120


def conversation_link(conversation: Conversation) -> str:
    url = reverse("admin:conversations_conversation_change", args=[conversation.pk])
    return format_html('<a href="{}">#{}</a>', url, conversation.number)


class ConversationForm(forms.ModelForm):
    # Not the ``tags`` relation itself: it has a through model, and the tags are set by ``conversation_tags_set``.
    tag_list = forms.ModelMultipleChoiceField(
        Tag.objects.all(),
        required=False,
        label="Tags",
        widget=AutocompleteSelectMultiple(Conversation._meta.get_field("tags"), admin.site),
    )

    class Meta:
        model = Conversation
        fields = ["subject", "mailbox", "status", "assignee"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and "tag_list" in self.fields:
            self.initial["tag_list"] = list(self.instance.tags.values_list("pk", flat=True))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assignee, mailbox = cleaned.get("assignee"), cleaned.get("mailbox")
        # Moving alone unassigns an assignee without access there (the service's rule); choosing one
        # without access is a mistake to show here rather than after the save.
        if (
            "assignee" in self.changed_data
            and assignee is not None
            and mailbox is not None
            and not mailbox_accessible_by(user=assignee, mailbox_id=mailbox.pk)
        ):
            self.add_error("assignee", f"{assignee.email} has no access to mailbox {mailbox.name}.")
        return cleaned


def thread_excerpt(thread: Thread) -> str:
    if thread.type == Thread.Type.LINEITEM:
        details = ", ".join(f"{key}={value}" for key, value in thread.action_data.items())
        return f"{thread.get_action_type_display()} {details}".strip()
    text = text_preview(thread.body)
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1] + "…"


def thread_author(thread: Thread) -> str:
    author = thread.created_by_user or thread.created_by_customer
    return str(author) if author is not None else "—"


class ThreadInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Thread
    fields = ["type", "created_by", "created_at", "excerpt"]
    readonly_fields = fields
    show_change_link = True
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Thread]:
        return super().get_queryset(request).select_related("created_by_user", "created_by_customer")

    @admin.display(description="Created by")
    def created_by(self, obj: Thread) -> str:
        return thread_author(obj)

    @admin.display(description="Text")
    def excerpt(self, obj: Thread) -> str:
        return thread_excerpt(obj)


class CustomFieldValueInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CustomFieldValue
    fields = ["field", "value", "created_at"]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[CustomFieldValue]:
        return super().get_queryset(request).select_related("field__mailbox")


@admin.register(Conversation)
class ConversationAdmin(ServiceErrorsAsMessagesMixin, admin.ModelAdmin):
    """Conversations are created by the API and by email; here they are moved, assigned, closed and erased,
    every change through its service so that line items, folders and events follow."""

    form = ConversationForm
    list_display = [
        "number",
        "subject",
        "mailbox",
        "status",
        "state",
        "folder_name",
        "assignee",
        "customer",
        "threads_count",
        "last_reply_at",
        "created_at",
    ]
    list_display_links = ["number", "subject"]
    list_filter = ["status", "state", "type", "mailbox", ("assignee", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["mailbox", "folder", "assignee", "customer"]
    search_fields = ["number__exact", "subject", "customer_email", "customer__first_name", "customer__last_name"]
    ordering = ["-created_at", "-id"]
    autocomplete_fields = ["assignee"]
    readonly_fields = [
        "number",
        "customer",
        "customer_email",
        "cc",
        "bcc",
        "type",
        "state",
        "folder",
        "preview",
        "threads_count",
        "source_type",
        "source_via",
        "created_by_user",
        "created_by_customer",
        "imported",
        "created_at",
        "updated_at",
        "user_updated_at",
        "last_reply_at",
        "last_reply_from",
        "closed_at",
        "closed_by",
    ]
    fieldsets = [
        (None, {"fields": ["number", "subject", "mailbox", "status", "assignee", "tag_list"]}),
        ("Customer", {"fields": ["customer", "customer_email", "cc", "bcc"]}),
        (
            "Details",
            {
                "fields": [
                    "type",
                    "state",
                    "folder",
                    "preview",
                    "threads_count",
                    "source_type",
                    "source_via",
                    "created_by_user",
                    "created_by_customer",
                    "imported",
                ]
            },
        ),
        (
            "Dates",
            {
                "fields": [
                    "created_at",
                    "updated_at",
                    "user_updated_at",
                    "last_reply_at",
                    "last_reply_from",
                    "closed_at",
                    "closed_by",
                ]
            },
        ),
    ]
    inlines = [CustomFieldValueInline, ThreadInline]
    actions = ["close", "mark_spam", "move_to_deleted", "restore"]

    @admin.display(description="Folder", ordering="folder__type")
    def folder_name(self, obj: Conversation) -> str:
        return obj.folder.name

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Conversation, form: forms.ModelForm, change: bool) -> None:
        data, changed, by_user = form.cleaned_data, set(form.changed_data), request.user
        # The form has already copied its values onto ``obj``; the services must compare with the stored row.
        conversation = Conversation.objects.select_for_update().get(pk=obj.pk)
        # Moving first, so that a newly chosen assignee is checked against the new mailbox.
        if "mailbox" in changed:
            conversation = conversation_move(conversation=conversation, mailbox=data["mailbox"], by_user=by_user)
        if "assignee" in changed:
            conversation = conversation_assign(conversation=conversation, assignee=data["assignee"], by_user=by_user)
        if "status" in changed:
            conversation = conversation_change_status(conversation=conversation, status=data["status"], by_user=by_user)
        if "subject" in changed:
            conversation = conversation_change_subject(
                conversation=conversation, subject=data["subject"], by_user=by_user
            )
        if "tag_list" in changed:
            conversation_tags_set(conversation=conversation, names=[tag.name for tag in data["tag_list"]])
        adopt(obj, conversation)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, Any, set[str], Any]:
        # Threads, attachments and timelogs are read-only in their own admins, yet go with their conversation.
        deleted, counts, _, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def delete_model(self, request: HttpRequest, obj: Conversation) -> None:
        conversation_delete_forever(conversation=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Conversation]) -> None:
        for conversation in queryset:
            conversation_delete_forever(conversation=conversation)

    def _apply(
        self, request: HttpRequest, queryset: QuerySet[Conversation], change: Callable[[Conversation], Any], done: str
    ) -> None:
        changed, errors = 0, []
        for conversation in queryset.select_related("folder", "mailbox", "assignee"):
            try:
                change(conversation)
            except ValidationError as error:
                errors.append(f"#{conversation.number}: {' '.join(error.messages)}")
            else:
                changed += 1
        if changed:
            self.message_user(request, f"{done}: {changed} conversation(s).", messages.SUCCESS)
        if errors:
            self.message_user(request, "Not changed: " + "; ".join(errors), messages.ERROR)

    @admin.action(description="Close selected conversations", permissions=["change"])
    def close(self, request: HttpRequest, queryset: QuerySet[Conversation]) -> None:
        self._apply(
            request,
            queryset,
            lambda c: conversation_change_status(conversation=c, status=Status.CLOSED, by_user=request.user),
            "Closed",
        )

    @admin.action(description="Mark selected conversations as spam", permissions=["change"])
    def mark_spam(self, request: HttpRequest, queryset: QuerySet[Conversation]) -> None:
        self._apply(
            request,
            queryset,
            lambda c: conversation_change_status(conversation=c, status=Status.SPAM, by_user=request.user),
            "Marked as spam",
        )

    @admin.action(description="Move selected conversations to Deleted", permissions=["change"])
    def move_to_deleted(self, request: HttpRequest, queryset: QuerySet[Conversation]) -> None:
        self._apply(
            request, queryset, lambda c: conversation_delete(conversation=c, by_user=request.user), "Moved to Deleted"
        )

    @admin.action(description="Restore selected conversations from Deleted", permissions=["change"])
    def restore(self, request: HttpRequest, queryset: QuerySet[Conversation]) -> None:
        self._apply(request, queryset, lambda c: conversation_restore(conversation=c, by_user=request.user), "Restored")


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name", "color"]

    def clean_name(self) -> str:
        # Stored as the API stores them, so that the same tag typed twice is one tag.
        name = tag_name_normalise(self.cleaned_data["name"])
        if not name:
            raise ValidationError("Enter a name.")
        if Tag.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).exists():
            raise ValidationError("A tag with this name already exists.")
        return name


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    form = TagForm
    list_display = ["name", "color", "conversations_count", "created_at"]
    search_fields = ["name"]
    ordering = ["name"]
    readonly_fields = ["created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tag]:
        return super().get_queryset(request).annotate(conversations_total=Count("conversations"))

    @admin.display(description="Conversations", ordering="conversations_total")
    def conversations_count(self, obj: Tag) -> int:
        return obj.conversations_total


class AttachmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Attachment
    fields = ["file", "file_name", "mime_type", "size", "inline", "created_at"]
    readonly_fields = fields
    extra = 0


@admin.register(Thread)
class ThreadAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "conversation_number", "type", "created_by", "status", "state", "excerpt", "created_at"]
    list_filter = ["type", "state", "action_type", "source_type"]
    list_select_related = ["conversation", "created_by_user", "created_by_customer"]
    search_fields = ["conversation__number__exact", "message_id", "conversation__subject"]
    ordering = ["-created_at", "-id"]
    inlines = [AttachmentInline]

    @admin.display(description="Conversation", ordering="conversation__number")
    def conversation_number(self, obj: Thread) -> str:
        return conversation_link(obj.conversation)

    @admin.display(description="Created by")
    def created_by(self, obj: Thread) -> str:
        return thread_author(obj)

    @admin.display(description="Text")
    def excerpt(self, obj: Thread) -> str:
        return thread_excerpt(obj)


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["file_name", "mime_type", "size", "inline", "conversation_number", "created_at"]
    list_filter = ["inline", "mime_type"]
    list_select_related = ["thread__conversation"]
    search_fields = ["file_name", "token", "content_id"]
    ordering = ["-created_at", "-id"]

    @admin.display(description="Conversation", ordering="thread__conversation__number")
    def conversation_number(self, obj: Attachment) -> str:
        return conversation_link(obj.thread.conversation) if obj.thread else "—"


@admin.register(Timelog)
class TimelogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: timers are started, paused and recorded by the ``timelog_*`` services."""

    list_display = ["id", "conversation_number", "user", "conversation_status", "time_spent", "running", "finished"]
    list_filter = ["finished", "paused", "conversation_status"]
    list_select_related = ["conversation", "user"]
    search_fields = ["conversation__number__exact", "user__email"]
    ordering = ["-created_at", "-id"]

    @admin.display(description="Conversation", ordering="conversation__number")
    def conversation_number(self, obj: Timelog) -> str:
        return conversation_link(obj.conversation)

    @admin.display(description="Running", boolean=True)
    def running(self, obj: Timelog) -> bool:
        return obj.running_since is not None


# The email pages live with the email code.
import conversations.mail.admin  # noqa: E402, F401
