import contextlib
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from helpdesk.admin import ReadOnlyAdminMixin, ServiceErrorsAsMessagesMixin, admin_user, adopt
from helpdesk.crypto import SecretUnreadable
from webhooks import services
from webhooks.delivery import delivery_redeliver, webhook_ping
from webhooks.models import Event, Webhook, WebhookAttempt, WebhookDelivery, WebhookEvent
from webhooks.selectors import last_run_error, webhooks_for_output
from webhooks.services import webhook_url_validate

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

RECENT_DELIVERIES = 20


class LastRun(TypedDict):
    """What ``webhooks_for_output`` annotates a webhook with: its latest attempt."""

    last_run_time: datetime | None
    last_run_status: int | None
    last_run_error: str | None


class DeliveriesTotal(TypedDict):
    deliveries_total: int


class WebhookForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(choices=Event.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Webhook
        fields = ["url", "events", "mailboxes", "enabled"]

    def clean_url(self) -> str:
        # The same SSRF rules as the API (webhooks.services): public addresses only.
        url = self.cleaned_data["url"]
        try:
            webhook_url_validate(url)
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["url"]) from None
        return url


class RecentDeliveriesFormSet(BaseInlineFormSet):
    """A busy webhook has thousands of deliveries; its page shows the latest, the list has them all."""

    def get_queryset(self) -> QuerySet[WebhookDelivery]:
        if not hasattr(self, "_recent"):
            self._recent = super().get_queryset()[:RECENT_DELIVERIES]
        return self._recent


class DeliveryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = WebhookDelivery
    fields = ("event", "status", "attempts_count", "next_attempt_at", "created_at", "finished_at")
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    show_change_link = True
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookDelivery]:
        return super().get_queryset(request).select_related("event", "webhook")


class RecentDeliveryInline(DeliveryInline):
    formset = RecentDeliveriesFormSet
    verbose_name_plural = f"Latest {RECENT_DELIVERIES} deliveries"


@admin.register(Webhook)
class WebhookAdmin(ServiceErrorsAsMessagesMixin, admin.ModelAdmin):
    """Every write goes through ``webhooks.services`` (URL rules, enabling resumes waiting deliveries)."""

    form = WebhookForm
    list_display = ["url", "enabled", "event_names", "last_attempt", "failing_since", "disabled_reason"]
    list_filter = ["enabled"]
    search_fields = ["url"]
    ordering = ["id"]
    filter_horizontal = ["mailboxes"]
    inlines = [RecentDeliveryInline]
    actions = ["send_test_event", "enable", "disable", "rotate_secret"]
    readonly_fields = [
        "secret_shown",
        "previous_secret_until",
        "disabled_reason",
        "failing_since",
        "created_at",
        "updated_at",
    ]

    def get_fields(self, request: HttpRequest, obj: Webhook | None = None) -> list[str | list[str] | tuple[str, ...]]:
        # The secret is made when the row is saved, so the add page has none to show yet.
        readonly = () if obj is None else self.readonly_fields
        return ["url", "events", "mailboxes", "enabled", *readonly]

    def get_readonly_fields(self, request: HttpRequest, obj: Webhook | None = None) -> list[str]:
        return [] if obj is None else self.readonly_fields

    def get_inlines(self, request: HttpRequest, obj: Webhook | None) -> list[type[admin.options.InlineModelAdmin]]:
        return [] if obj is None else self.inlines

    def get_queryset(self, request: HttpRequest) -> QuerySet[Webhook]:
        return webhooks_for_output(super().get_queryset(request))

    def delete_model(self, request: HttpRequest, obj: Webhook) -> None:
        services.webhook_delete(webhook=obj)  # its events go too, and the audit log records it

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        for webhook in queryset:
            services.webhook_delete(webhook=webhook)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, Any, set[str], Any]:
        # Deliveries and attempts are read-only in their own admins, yet go with their webhook.
        deleted, counts, _, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    @admin.display(description="Events")
    def event_names(self, obj: Webhook) -> str:
        return ", ".join(obj.events)

    @admin.display(description="Last attempt", ordering="last_run_time")
    def last_attempt(self, obj: "WithAnnotations[Webhook, LastRun]") -> str:
        if obj.last_run_time is None:
            return "-"
        error = last_run_error(status_code=obj.last_run_status, error=obj.last_run_error)
        return f"{obj.last_run_time:%Y-%m-%d %H:%M:%S} {error or 'OK'}"

    @admin.display(description="Secret")
    def secret_shown(self, obj: Webhook) -> str:
        # Encrypted at rest: a secret the configured keys cannot open is said so here, the page still works.
        try:
            return str(obj.secret)
        except SecretUnreadable as error:
            return f"Cannot be shown: {error}"

    @admin.display(description="Previous secret signs until")
    def previous_secret_until(self, obj: Webhook) -> str:
        expires = obj.previous_secret_expires_at
        return f"{expires:%Y-%m-%d %H:%M:%S} UTC" if expires and expires > timezone.now() else "-"

    def save_model(self, request: HttpRequest, obj: Webhook, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            adopt(obj, services.webhook_create(url=data["url"], events=data["events"], mailboxes=data["mailboxes"]))
            if not data["enabled"]:
                services.webhook_disable(webhook=obj, reason=f"Disabled by {admin_user(request).email}.")
            return
        webhook = Webhook.objects.get(pk=obj.pk)
        services.webhook_update(webhook=webhook, url=data["url"], events=data["events"], mailboxes=data["mailboxes"])
        if data["enabled"] and not webhook.enabled:
            services.webhook_enable(webhook=webhook)
        elif not data["enabled"] and webhook.enabled:
            services.webhook_disable(webhook=webhook, reason=f"Disabled by {admin_user(request).email}.")
        adopt(obj, webhook)

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        # The services set the mailboxes (no ``form.save_m2m()``); the read-only inlines save nothing.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    @admin.action(description="Send a test event (freescout.test) now")
    def send_test_event(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        for webhook in queryset:
            delivery = webhook_ping(webhook=webhook)
            attempt = delivery.attempts.get()
            error = last_run_error(status_code=attempt.status_code, error=attempt.error)
            level = messages.SUCCESS if error is None else messages.ERROR
            self.message_user(request, f"{webhook.url}: {error or f'HTTP {attempt.status_code}'}", level)

    @admin.action(description="Enable (waiting deliveries go out)")
    def enable(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        changed = sum(services.webhook_enable(webhook=webhook) for webhook in queryset)
        self.message_user(request, f"{changed} webhook(s) enabled.")

    @admin.action(description="Disable")
    def disable(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        reason = f"Disabled by {admin_user(request).email}."
        changed = sum(services.webhook_disable(webhook=webhook, reason=reason) for webhook in queryset)
        self.message_user(request, f"{changed} webhook(s) disabled.")

    @admin.action(description="Rotate the secret (the old one signs for 24 more hours)")
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        for webhook in queryset:
            services.webhook_secret_rotate(webhook=webhook)
        self.message_user(request, f"{len(queryset)} secret(s) rotated; the new ones are on the webhooks' pages.")


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "id", "deliveries_count", "created_at"]
    list_filter = ["name"]
    search_fields = ["name", "id__exact"]
    ordering = ["-created_at"]
    fields = ("id", "name", "created_at", "payload_text")
    readonly_fields = fields
    inlines = [DeliveryInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookEvent]:
        return super().get_queryset(request).annotate(deliveries_total=Count("deliveries"))

    @admin.display(description="Deliveries", ordering="deliveries_total")
    def deliveries_count(self, obj: "WithAnnotations[WebhookEvent, DeliveriesTotal]") -> int:
        return obj.deliveries_total

    @admin.display(description="Payload")
    def payload_text(self, obj: WebhookEvent) -> str:
        text = bytes(obj.payload).decode("utf-8", errors="replace")
        with contextlib.suppress(ValueError):
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        return format_html("<pre>{}</pre>", text)


class AttemptInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = WebhookAttempt
    fields = ("started_at", "status_code", "duration_ms", "error", "response_body")
    readonly_fields = fields
    extra = 0


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "event_name", "webhook", "status", "attempts_count", "next_attempt_at", "finished_at"]
    list_filter = ["status", "webhook"]
    list_select_related = ["event", "webhook"]
    search_fields = ["webhook__url", "event__name"]
    ordering = ["-created_at", "-id"]
    inlines = [AttemptInline]
    actions = ["redeliver"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Read-only rows, yet actions need a change permission: only the (admin) redeliver action uses it.
        return obj is None and request.user.has_perm("webhooks.change_webhook")

    @admin.action(description="Redeliver (same event id and body)", permissions=["change"])
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        for delivery in queryset:
            delivery_redeliver(delivery=delivery)
        self.message_user(request, f"{len(queryset)} deliver(ies) queued again.")

    @admin.display(description="Event", ordering="event__name")
    def event_name(self, obj: WebhookDelivery) -> str:
        return obj.event.name


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "delivery", "started_at", "status_code", "duration_ms", "error"]
    list_filter = ["status_code"]
    list_select_related = ["delivery__event", "delivery__webhook"]
    search_fields = ["error", "delivery__webhook__url", "delivery__event__name"]
    ordering = ["-started_at", "-id"]
