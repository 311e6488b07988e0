"""The admin for admins. It is one more client of the services: users and API keys are written through
``helpdesk.services``, never by saving the model form."""

import json
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from helpdesk.errors import Invalid
from helpdesk.fields import hex_color_clean
from helpdesk.models import ApiKey, Counter, User
from helpdesk.services import (
    USER_PROFILE_FIELDS,
    api_key_create,
    api_key_limit_set,
    api_key_revoke,
    user_create,
    user_email_taken,
    user_update,
)
from mailboxes.models import Mailbox
from mailboxes.services import mailbox_access_set

# Fields of the change form that ``user_update`` takes as they are (the password is handled apart).
USER_CHANGE_FIELDS = frozenset({"first_name", "last_name", "email", "role", "status"}) | USER_PROFILE_FIELDS

# Permissions follow the user's role (``helpdesk.permissions``); users have no groups to put in one.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


T = TypeVar("T")


def admin_user(request: HttpRequest) -> User:
    """The signed-in user of an admin request: the admin site lets in only active staff, never anonymous."""
    return cast(User, request.user)


def refusal_onto_form(form: forms.Form, call: Callable[[], T]) -> T | None:
    """What ``call`` (a service, or a form's save through one) returns; or None, with the service's refusal
    (a ``ValidationError``, the transaction undone) shown on the form's fields it names, else above them."""
    try:
        return call()
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return None


def adopt(obj: models.Model, saved: models.Model) -> None:
    """Makes the admin's unsaved form instance the row a service wrote, so that the admin's logging and
    redirects after ``save_model`` see its id and final values."""
    vars(obj).update(vars(saved))


class ServiceErrorsAsMessagesMixin:
    """The forms check what they can foresee; a ``ValidationError`` that a service raises anyway (a race,
    a rule only the service knows) undoes the whole save and comes back as an error message."""

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseRedirect(request.get_full_path())


class ReadOnlyAdminMixin:
    """For rows that only the services write: viewable, never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PasswordFieldsMixin(forms.Form):
    """An optional password, typed twice and checked against AUTH_PASSWORD_VALIDATORS."""

    password1 = forms.CharField(
        label="Password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password confirmation",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_password2(self) -> str:
        password1, password2 = self.cleaned_data.get("password1", ""), self.cleaned_data.get("password2", "")
        if password1 != password2:
            raise ValidationError("The two password fields did not match.")
        return password2

    def password_validate(self, user: User) -> None:
        password = self.cleaned_data.get("password2")
        if password:
            try:
                password_validation.validate_password(password, user)
            except ValidationError as error:
                self.add_error("password2", error)


class MailboxAccessMixin(forms.Form):
    """The mailboxes a user may work in, chosen on the user form itself (written by ``mailbox_access_set``)."""

    mailboxes = forms.ModelMultipleChoiceField(
        queryset=Mailbox.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Mailbox access",
        help_text="Admins work in every mailbox whatever is ticked here.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if instance is not None and instance.pk:
            self.initial.setdefault("mailboxes", list(Mailbox.objects.filter(mailboxuser__user=instance)))


class UserAddForm(MailboxAccessMixin, PasswordFieldsMixin, forms.ModelForm):
    first_name = forms.CharField(max_length=40, required=False, help_text="Taken from the email when empty.")

    class Meta:
        model = User
        fields = ["email", "first_name", "last_name", "role"]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if user_email_taken(email=email):
            raise ValidationError("A user with this email already exists.")
        return email

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        self.password_validate(User(email=cleaned.get("email", ""), first_name=cleaned.get("first_name", "")))
        return cleaned


class UserChangeForm(MailboxAccessMixin, PasswordFieldsMixin, forms.ModelForm):
    # The signed-in admin, set by ``UserAdmin.get_form``, who must not lock themselves out.
    current_user: User | None = None

    password1 = forms.CharField(
        label="New password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Leave empty to keep the current password.",
    )

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "role", "status", *sorted(USER_PROFILE_FIELDS)]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Deleting users (which frees their email and reassigns their work) is not the admin's to do.
        if self.instance.status != User.Status.DELETED:
            # A model field with choices has a ChoiceField, whose choices Django keeps as (value, label) pairs.
            status = cast(forms.ChoiceField, self.fields["status"])
            choices = cast("Iterable[tuple[str, str]]", status.choices)
            status.choices = [choice for choice in choices if choice[0] != User.Status.DELETED]
            status.help_text = (
                "Disabling also revokes the user's API keys; enabling them again does not bring those back."
            )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if "email" in self.changed_data and user_email_taken(email=email, exclude=self.instance):
            raise ValidationError("A user with this email already exists.")
        return email

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        is_self = self.current_user is not None and self.instance.pk == self.current_user.pk
        demoted = cleaned.get("role", User.Role.ADMIN) != User.Role.ADMIN
        disabled = cleaned.get("status", User.Status.ACTIVE) != User.Status.ACTIVE
        if is_self and (demoted or disabled):
            raise ValidationError("You cannot take away your own admin role or disable yourself.")
        # A deleted user's email is free for reuse, so bringing one back needs it to be free still.
        if (
            self.instance.status == User.Status.DELETED
            and cleaned.get("status") != User.Status.DELETED
            and "email" not in self.changed_data
            and user_email_taken(email=self.instance.email, exclude=self.instance)
        ):
            self.add_error("status", "Another user has this email now; change the email as well.")
        self.password_validate(self.instance)
        return cleaned


@admin.register(User)
class UserAdmin(ServiceErrorsAsMessagesMixin, admin.ModelAdmin):
    form = UserChangeForm
    add_form = UserAddForm
    list_display = ["email", "first_name", "last_name", "role", "status", "last_login", "created_at"]
    list_filter = ["role", "status"]
    search_fields = ["email", "first_name", "last_name"]
    ordering = ["email"]
    readonly_fields = ["password_state", "last_login", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["email", "first_name", "last_name", "role", "status"]}),
        ("Mailbox access", {"fields": ["mailboxes"]}),
        ("Profile", {"fields": ["job_title", "phone", "alternate_emails", "timezone", "language", "gender"]}),
        ("Email notifications", {"fields": ["notify_assigned", "notify_customer_reply", "notify_new_conversation"]}),
        ("Password", {"fields": ["password_state", "password1", "password2"]}),
        ("History", {"fields": ["last_login", "created_at", "updated_at"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["email", "first_name", "last_name", "role", "password1", "password2"]}),
        ("Mailbox access", {"fields": ["mailboxes"]}),
    ]

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_form(self, request: HttpRequest, obj: User | None = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = self.add_form
        form = super().get_form(request, obj, change=change, **kwargs)
        if issubclass(form, UserChangeForm):
            form.current_user = admin_user(request)
        return form

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        # Autocomplete widgets (assignee, API key owner, mailbox access) offer only users who can act.
        if request.resolver_match is not None and request.resolver_match.url_name == "autocomplete":
            queryset = queryset.filter(status=User.Status.ACTIVE)
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="Password")
    def password_state(self, obj: User) -> str:
        return "Set" if obj.has_usable_password() else "None (the user cannot sign in to the admin)"

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            user = user_create(
                email=data["email"],
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                role=data["role"],
                password=data.get("password2") or None,
            )
        else:
            fields = {name: data[name] for name in form.changed_data if name in USER_CHANGE_FIELDS}
            if data.get("password2"):
                fields["password"] = data["password2"]
            # The form has already copied its values onto ``obj``; the service must see the stored row.
            live_keys = ApiKey.objects.filter(user=obj.pk, revoked_at=None)
            keys_before = live_keys.count()
            user = user_update(user=User.objects.get(pk=obj.pk), **fields)
            if revoked := keys_before - live_keys.count():
                self.message_user(
                    request,
                    f"{user.email} is disabled: {revoked} API key{'s' if revoked > 1 else ''} revoked."
                    " Enabling the user again does not bring them back; create new keys if needed.",
                    messages.WARNING,
                )
        if not change or "mailboxes" in form.changed_data:
            mailbox_access_set(user=user, mailboxes=data.get("mailboxes") or [])
        adopt(obj, user)


class ApiKeyAddForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["user", "name"]


class RevokedFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "revoked"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("no", "Live"), ("yes", "Revoked")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "no":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiKey)
class ApiKeyAdmin(ServiceErrorsAsMessagesMixin, admin.ModelAdmin):
    """Only the key's prefix is ever shown after creation; keys are revoked, never edited or deleted."""

    add_form = ApiKeyAddForm
    list_display = ["key_prefix", "name", "user", "created_at", "last_used_at", "live"]
    list_filter = [RevokedFilter]
    list_select_related = ["user"]
    search_fields = ["prefix", "name", "user__email"]
    ordering = ["-created_at", "-id"]
    autocomplete_fields = ["user"]
    actions = ["revoke_keys"]

    def get_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> list[str | list[str] | tuple[str, ...]]:
        if obj is None:
            return ["user", "name"]
        return ["key_prefix", "user", "name", "requests_per_minute", "created_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> list[str]:
        if obj is None:
            return []
        return ["key_prefix", "user", "created_at", "last_used_at", "revoked_at"]

    def get_form(self, request: HttpRequest, obj: ApiKey | None = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change=change, **kwargs)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(status=User.Status.ACTIVE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="Key", ordering="prefix")
    def key_prefix(self, obj: ApiKey) -> str:
        return f"{obj.prefix}…"

    @admin.display(description="Live", boolean=True)
    def live(self, obj: ApiKey) -> bool:
        return not obj.is_revoked

    def has_delete_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ApiKey, form: forms.ModelForm, change: bool) -> None:
        if change:
            # Only the name and the limit are editable; the key material never changes.
            obj.save(update_fields=["name"])
            if "requests_per_minute" in form.changed_data:
                api_key_limit_set(api_key=obj, requests_per_minute=form.cleaned_data["requests_per_minute"])
            return
        api_key, raw_key = api_key_create(user=form.cleaned_data["user"], name=form.cleaned_data["name"])
        adopt(obj, api_key)
        messages.success(
            request, f"New API key for {api_key.user.email}: {raw_key} — copy it now, it will not be shown again."
        )

    @admin.action(description="Revoke selected keys", permissions=["change"])
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        revoked = 0
        for api_key in queryset.filter(revoked_at__isnull=True):
            api_key_revoke(api_key=api_key)
            revoked += 1
        self.message_user(request, f"Revoked {revoked} API key(s).", messages.SUCCESS)


@admin.register(Counter)
class CounterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Counters only move forward, under a row lock, through ``counter_next``."""

    list_display = ["name", "value"]
    search_fields = ["name"]
    ordering = ["name"]


class HexColorField(forms.CharField):
    """A colour as six hexadecimal digits, upper-cased, or empty (``helpdesk.fields.hex_color_clean``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 6)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        try:
            return hex_color_clean(super().clean(value), field="color")
        except Invalid as error:
            raise ValidationError(error.messages) from None


class DropdownOptionsWidget(forms.Widget):
    """A dropdown's options as rows of labels (each keeping its option id, which stored values refer to), with
    empty rows to add more; clearing a label removes that option."""

    blank_rows = 3

    def format_value(self, value: Any) -> list[tuple[str, str]]:  # type: ignore[override]
        if isinstance(value, str):
            try:
                value = json.loads(value or "{}")
            except ValueError:
                value = {}
        if not isinstance(value, dict):
            return []
        return sorted(((str(k), str(v)) for k, v in value.items()), key=lambda row: (len(row[0]), row[0]))

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        rows = format_html_join(
            "",
            '<div class="hd-option-row"><input type="hidden" name="{}_id" value="{}">'
            '<input type="text" name="{}_label" value="{}" maxlength="255" aria-label="{}" placeholder="{}">{}</div>',
            (
                (
                    name,
                    option_id,
                    name,
                    label,
                    f"Option {option_id}" if option_id else "New option",
                    "" if option_id else "New option",
                    format_html(' <span class="hd-option-id" title="Stored as">#{}</span>', option_id)
                    if option_id
                    else "",
                )
                for option_id, label in self.format_value(value) + [("", "")] * self.blank_rows
            ),
        )
        return format_html('<div class="hd-options" role="group" aria-label="Dropdown options">{}</div>', rows)

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if f"{name}_label" not in data:
            return data.get(name)  # the options as JSON, as scripts and older forms post them
        return list(zip(data.getlist(f"{name}_id"), data.getlist(f"{name}_label"), strict=False))


class DropdownOptionsField(forms.Field):
    """``{"<option id>": "<label>"}`` from the rows of ``DropdownOptionsWidget``: kept ids stay, new labels
    get the next free ids, labels are unique."""

    widget = DropdownOptionsWidget

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "For dropdowns: one option per row; clear a label to remove that option.")
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dict[str, str]:
        if value in (None, "", {}):
            return {}
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ValidationError("Enter the options as rows.") from None
            if not isinstance(value, dict):
                raise ValidationError("Enter the options as rows.")
        if isinstance(value, dict):
            return {str(k): str(v) for k, v in value.items()}
        rows = [(str(option_id).strip(), " ".join(str(label).split())) for option_id, label in value]
        kept = {option_id: label for option_id, label in rows if option_id.isdigit() and label}
        labels = [label for option_id, label in rows if label]
        if len({label.lower() for label in labels}) != len(labels):
            raise ValidationError("Each option needs a different label.")
        next_id = max((int(option_id) for option_id, _ in rows if option_id.isdigit()), default=0) + 1
        options = dict(kept)
        for option_id, label in rows:
            if label and not option_id.isdigit():
                options[str(next_id)] = label
                next_id += 1
        return options

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(data) != self.to_python(initial or {})
        except ValidationError:
            return True
