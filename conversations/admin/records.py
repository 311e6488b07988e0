"""Admin-only pages: tags, and read-only lists of threads, attachments and timelogs (the services write
them; agents see them on the conversation page)."""

from typing import TYPE_CHECKING, TypedDict

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from conversations.models import Attachment, Conversation, Tag, Thread, Timelog
from conversations.services import tag_create, tag_name_normalise, tag_update, text_preview
from helpdesk.admin import HexColorField, ReadOnlyAdminMixin, ServiceErrorsAsMessagesMixin, adopt

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

EXCERPT_LENGTH = 120


def conversation_link(conversation: Conversation) -> str:
    url = reverse("admin:conversations_conversation_change", args=[conversation.pk])
    return format_html('<a href="{}">#{}</a>', url, conversation.number)


def thread_excerpt(thread: Thread) -> str:
    if thread.type == Thread.Type.LINEITEM:
        details = ", ".join(f"{key}={value}" for key, value in thread.action_data.items())
        return f"{thread.get_action_type_display()} {details}".strip()
    text = text_preview(thread.body)
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1] + "…"


def thread_author(thread: Thread) -> str:
    author = thread.created_by_user or thread.created_by_customer
    return str(author) if author is not None else "—"


class ConversationsTotal(TypedDict):
    conversations_total: int


class TagForm(forms.ModelForm):
    text_color = HexColorField(label="Text colour", help_text="LiveAgent's title colour, such as FFFFFF.")
    background_color = HexColorField(label="Background colour", help_text="LiveAgent's, such as 0000FF.")

    class Meta:
        model = Tag
        fields = ["name", "color", "text_color", "background_color"]

    def clean_name(self) -> str:
        # Checked here too, so that a taken name is a form error rather than a message after the save.
        name = tag_name_normalise(self.cleaned_data["name"])
        if not name:
            raise ValidationError("Enter a name.")
        if Tag.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).exists():
            raise ValidationError("A tag with this name already exists.")
        return name


@admin.register(Tag)
class TagAdmin(ServiceErrorsAsMessagesMixin, admin.ModelAdmin):
    """Admins only; agents tag conversations on the conversation page, which creates unknown tags."""

    form = TagForm
    list_display = ["name", "color", "text_color", "background_color", "conversations_count", "created_at"]
    search_fields = ["name"]
    ordering = ["name"]
    readonly_fields = ["created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tag]:
        return super().get_queryset(request).annotate(conversations_total=Count("conversations"))

    @admin.display(description="Conversations", ordering="conversations_total")
    def conversations_count(self, obj: "WithAnnotations[Tag, ConversationsTotal]") -> int:
        return obj.conversations_total

    def save_model(self, request: HttpRequest, obj: Tag, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        colors = {"text_color": data["text_color"], "background_color": data["background_color"]}
        if change:
            saved = tag_update(tag=Tag.objects.get(pk=obj.pk), name=data["name"], color=data["color"], **colors)
        else:
            saved = tag_create(name=data["name"], color=data["color"], **colors)
        adopt(obj, saved)


class AttachmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Attachment
    fields = ("file", "file_name", "mime_type", "size", "inline", "downloads", "created_at")
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
    list_display = ["file_name", "mime_type", "size", "inline", "conversation_number", "downloads", "created_at"]
    list_filter = ["inline", "mime_type", ("thread", admin.EmptyFieldListFilter)]
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
