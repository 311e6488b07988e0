from typing import TYPE_CHECKING, Any, TypedDict, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.html import format_html, format_html_join

from helpdesk.admin import DropdownOptionsField, ReadOnlyAdminMixin, ServiceErrorsAsMessagesMixin, adopt
from helpdesk.fields import FIELD_CODE_MAX_LENGTH
from mailboxes.connections import mailbox_connections_check
from mailboxes.models import CustomField, Folder, Mailbox, MailboxUser, SavedReply
from mailboxes.selectors import folder_counts
from mailboxes.services import (
    CUSTOM_FIELD_FIELDS,
    MAILBOX_FIELDS,
    SAVED_REPLY_FIELDS,
    custom_field_create,
    custom_field_delete,
    custom_field_update,
    mailbox_create,
    mailbox_delete,
    mailbox_update,
    mailbox_user_grant,
    mailbox_user_revoke,
    saved_reply_create,
    saved_reply_delete,
    saved_reply_update,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class KeptPasswordField(forms.CharField):
    """A stored password is never sent back to the browser: an empty input keeps it."""

    widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "Leave empty to keep the current password.")
        super().__init__(required=False, strip=False, **kwargs)

    def has_changed(self, initial: Any, data: Any) -> bool:
        return bool(data)


class MailboxForm(forms.ModelForm):
    out_password = KeptPasswordField(max_length=255)
    in_password = KeptPasswordField(max_length=255)

    class Meta:
        model = Mailbox
        fields = sorted(MAILBOX_FIELDS)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if Mailbox.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise ValidationError("Another mailbox already uses this address.")
        return email

    def _password_clean(self, name: str) -> str:
        return self.cleaned_data.get(name) or (getattr(self.instance, name) if self.instance.pk else "")

    def clean_out_password(self) -> str:
        return self._password_clean("out_password")

    def clean_in_password(self) -> str:
        return self._password_clean("in_password")


class MailboxUserInline(admin.TabularInline):
    model = MailboxUser
    verbose_name = "user with access"
    verbose_name_plural = "Users with access (admins have access to every mailbox)"
    fields = ["user", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[MailboxUser]:
        return super().get_queryset(request).select_related("user")


# The inline's fields, which are also ``custom_field_create``'s arguments.
CUSTOM_FIELD_INLINE_FIELDS = ("name", "code", "type", "options", "required", "sort_order")


class CustomFieldForm(forms.ModelForm):
    options = DropdownOptionsField()
    # Optional here: the services make a code from the name when none is given.
    code = forms.SlugField(
        max_length=FIELD_CODE_MAX_LENGTH,
        required=False,
        help_text="How the LiveAgent API names the field; made from the name when empty.",
    )

    class Meta:
        model = CustomField
        fields = ["mailbox", *CUSTOM_FIELD_INLINE_FIELDS]


class CustomFieldInline(admin.TabularInline):
    model = CustomField
    form = CustomFieldForm
    fields = CUSTOM_FIELD_INLINE_FIELDS
    extra = 0


@admin.register(Mailbox)
class MailboxAdmin(ServiceErrorsAsMessagesMixin, admin.ModelAdmin):
    form = MailboxForm
    list_display = ["name", "email", "out_method", "fetches_mail", "auto_reply_enabled", "created_at"]
    list_filter = ["out_method", "auto_reply_enabled"]
    search_fields = ["name", "email", "aliases"]
    ordering = ["name", "id"]
    readonly_fields = ["folder_summary", "created_at", "updated_at"]
    inlines = [MailboxUserInline, CustomFieldInline]
    actions = ["test_connection"]
    fieldsets = [
        ("General", {"fields": ["name", "email", "aliases", "from_name", "from_name_custom", "signature"]}),
        ("Auto reply", {"fields": ["auto_reply_enabled", "auto_reply_subject", "auto_reply_message"]}),
        (
            "Outgoing (SMTP)",
            {"fields": ["out_method", "out_server", "out_port", "out_username", "out_password", "out_encryption"]},
        ),
        (
            "Incoming (IMAP)",
            {
                "fields": [
                    "in_server",
                    "in_port",
                    "in_username",
                    "in_password",
                    "in_encryption",
                    "in_validate_cert",
                    "in_imap_folders",
                ]
            },
        ),
        ("Folders", {"fields": ["folder_summary", "created_at", "updated_at"]}),
    ]

    @admin.action(description="Test the SMTP and IMAP connections", permissions=["change"])
    def test_connection(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        for mailbox in queryset:
            results = mailbox_connections_check(mailbox=mailbox)
            if not results:
                self.message_user(
                    request,
                    f"{mailbox.name}: sends through the installation's default and fetches no mail; nothing to test.",
                    messages.INFO,
                )
            for result in results:
                self.message_user(
                    request,
                    f"{mailbox.name}: {result.service} {'works' if result.ok else 'failed'}: {result.detail}",
                    messages.SUCCESS if result.ok else messages.ERROR,
                )

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Deleting in bulk would take conversations with it without a second look; one at a time, if empty.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request: HttpRequest, obj: Mailbox | None = None) -> bool:
        # Erasing conversations is ``conversation_delete_forever``'s job; a mailbox goes once it is empty.
        if obj is not None and obj.conversations.exists():
            return False
        return super().has_delete_permission(request, obj)

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        # ``mailbox_delete`` refuses while a webhook listens to this mailbox alone: said as a message.
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseRedirect(request.get_full_path())

    def delete_model(self, request: HttpRequest, obj: Mailbox) -> None:
        mailbox_delete(mailbox=obj)  # its rules and the audit log, not a bare ``obj.delete()``

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, Any, set[str], Any]:
        # Folders are read-only in their own admin, yet go with their mailbox.
        deleted, counts, _, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    @admin.display(description="Fetches mail", boolean=True)
    def fetches_mail(self, obj: Mailbox) -> bool:
        return obj.fetches_mail

    @admin.display(description="Folders (total / active)")
    def folder_summary(self, obj: Mailbox) -> str:
        if obj.pk is None:
            return "Created with the mailbox."
        folders = list(Folder.objects.filter(mailbox=obj).select_related("user"))
        counts = folder_counts(folders=folders)
        rows = (
            (folder.name, f" of {folder.user.email}" if folder.user else "", *counts[folder.pk]) for folder in folders
        )
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}{}: {} / {}</li>", rows))

    def save_model(self, request: HttpRequest, obj: Mailbox, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        if change:
            fields = {name: data[name] for name in form.changed_data if name in MAILBOX_FIELDS}
            mailbox = mailbox_update(mailbox=Mailbox.objects.get(pk=obj.pk), **fields)
        else:
            fields = {name: value for name, value in data.items() if name in MAILBOX_FIELDS}
            mailbox = mailbox_create(**fields)
        adopt(obj, mailbox)

    def save_formset(self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool) -> None:
        # ``formset.save(commit=False)`` only records what changed for the history; the services write.
        formset.save(commit=False)
        if formset.model is CustomField:
            self._custom_fields_save(form.instance, formset)
            return
        mailbox = form.instance
        wanted = {
            row.cleaned_data["user"]
            for row in formset.forms
            if row.cleaned_data.get("user") and not row.cleaned_data.get("DELETE")
        }
        current = {access.user for access in MailboxUser.objects.filter(mailbox=mailbox).select_related("user")}
        for user in current - wanted:
            mailbox_user_revoke(mailbox=mailbox, user=user)
        for user in wanted - current:
            mailbox_user_grant(mailbox=mailbox, user=user)

    def _custom_fields_save(self, mailbox: Mailbox, formset: Any) -> None:
        for row in formset.forms:
            data, field = row.cleaned_data, row.instance
            if not data:
                continue
            if data.get("DELETE"):
                if field.pk:
                    custom_field_delete(field=CustomField.objects.get(pk=field.pk))
            elif field.pk is None:
                custom_field_create(mailbox=mailbox, **{name: data[name] for name in CUSTOM_FIELD_INLINE_FIELDS})
            elif row.has_changed():
                changes = {name: data[name] for name in row.changed_data if name in CUSTOM_FIELD_FIELDS}
                custom_field_update(field=CustomField.objects.get(pk=field.pk), **changes)


class FolderCounts(TypedDict):
    """What the folder list puts on each folder: ``folder_counts``, counted once for the page."""

    total_count: int
    active_count: int


class FolderChangeList(ChangeList):
    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        # One ``folder_counts`` call for the page (a few grouped queries per mailbox), not one per row.
        folders = list(self.result_list)
        counts = folder_counts(folders=folders)
        for folder in folders:
            folder.total_count, folder.active_count = counts[folder.pk]


@admin.register(Folder)
class FolderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: folders are made with their mailbox (or when a user gets access) by the services."""

    list_display = ["name", "mailbox", "user", "total", "active"]
    list_filter = ["type", "mailbox"]
    list_select_related = ["mailbox", "user"]
    search_fields = ["mailbox__name", "mailbox__email", "user__email"]
    ordering = ["mailbox__name", "type", "id"]
    fields = ["mailbox", "type", "user", "total", "active"]
    readonly_fields = ["total", "active"]

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return FolderChangeList

    def _counts(self, obj: Folder) -> tuple[int, int]:
        # A folder of the list has its counts (``FolderChangeList``); the one of a change page gets them here.
        counted = cast("WithAnnotations[Folder, FolderCounts]", obj)
        if not hasattr(counted, "total_count"):
            counted.total_count, counted.active_count = folder_counts(folders=[obj])[obj.pk]
        return counted.total_count, counted.active_count

    @admin.display(description="Folder", ordering="type")
    def name(self, obj: Folder) -> str:
        return obj.name

    @admin.display(description="Conversations")
    def total(self, obj: Folder) -> int:
        return self._counts(obj)[0]

    @admin.display(description="Active")
    def active(self, obj: Folder) -> int:
        return self._counts(obj)[1]


@admin.register(CustomField)
class CustomFieldAdmin(ServiceErrorsAsMessagesMixin, admin.ModelAdmin):
    form = CustomFieldForm
    list_display = ["name", "code", "mailbox", "type", "required", "sort_order", "created_at"]
    list_filter = ["type", "required", "mailbox"]
    list_select_related = ["mailbox"]
    search_fields = ["name", "code", "mailbox__name"]
    ordering = ["mailbox__name", "sort_order", "id"]
    fields = ["mailbox", "name", "code", "type", "options", "required", "sort_order", "created_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: CustomField | None = None) -> list[str]:
        # A field belongs to its mailbox for good: its values are conversations' of that mailbox.
        return ["created_at"] if obj is None else ["mailbox", "created_at"]

    def save_model(self, request: HttpRequest, obj: CustomField, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changes = {name: data[name] for name in form.changed_data if name in CUSTOM_FIELD_FIELDS}
            saved = custom_field_update(field=CustomField.objects.get(pk=obj.pk), **changes)
        else:
            saved = custom_field_create(
                mailbox=data["mailbox"],
                **{name: data[name] for name in CUSTOM_FIELD_INLINE_FIELDS},
            )
        adopt(obj, saved)


class SavedReplyForm(forms.ModelForm):
    class Meta:
        model = SavedReply
        fields = ["mailbox", "name", "body", "sort_order"]
        widgets = {"body": forms.Textarea(attrs={"rows": 10})}
        help_texts = {
            "body": (
                "HTML. Placeholders, filled when an agent inserts the reply: {customer.first_name}, "
                "{customer.last_name}, {customer.name}, {customer.email}, {agent.first_name}, {agent.name}, "
                "{agent.email}, {conversation.number}, {conversation.subject}, {mailbox.name}, {mailbox.email}. "
                "A fallback for an empty value follows a bar: {customer.first_name|there}."
            )
        }


@admin.register(SavedReply)
class SavedReplyAdmin(ServiceErrorsAsMessagesMixin, admin.ModelAdmin):
    """Admins only (helpdesk/permissions.py gives agents nothing here); agents insert saved replies from
    the conversation page's composer."""

    form = SavedReplyForm
    list_display = ["name", "mailbox", "sort_order", "updated_at"]
    list_filter = ["mailbox"]
    list_select_related = ["mailbox"]
    search_fields = ["name", "body", "mailbox__name"]
    ordering = ["mailbox__name", "sort_order", "name", "id"]
    actions = ["delete_selected_replies"]

    def get_readonly_fields(self, request: HttpRequest, obj: SavedReply | None = None) -> list[str]:
        return [] if obj is None else ["mailbox"]

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Django's bulk delete would skip the service; this action goes through it.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Delete the selected saved replies", permissions=["delete"])
    def delete_selected_replies(self, request: HttpRequest, queryset: QuerySet[SavedReply]) -> None:
        replies = list(queryset)
        for reply in replies:
            saved_reply_delete(reply=reply)
        self.message_user(request, f"Deleted {len(replies)} saved replies.", messages.SUCCESS)

    def delete_model(self, request: HttpRequest, obj: SavedReply) -> None:
        saved_reply_delete(reply=obj)

    def save_model(self, request: HttpRequest, obj: SavedReply, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changes = {name: data[name] for name in form.changed_data if name in SAVED_REPLY_FIELDS}
            saved = saved_reply_update(reply=SavedReply.objects.get(pk=obj.pk), **changes)
        else:
            saved = saved_reply_create(
                mailbox=data["mailbox"], name=data["name"], body=data["body"], sort_order=data["sort_order"]
            )
        adopt(obj, saved)
