import contextlib
import json
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from helpdesk.admin import ReadOnlyAdminMixin
from webhooks.models import Event, Webhook, WebhookAttempt, WebhookDelivery, WebhookEvent
from webhooks.services import webhook_url_validate

RECENT_DELIVERIES = 20


class WebhookForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(choices=Event.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Webhook
        fields = ["url", "events", "mailboxes", "enabled", "disabled_reason"]

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
    fields = ["event", "status", "attempts_count", "next_attempt_at", "created_at", "finished_at"]
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
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ["url", "enabled", "event_names", "failing_since", "disabled_reason", "created_at"]
    list_filter = ["enabled"]
    search_fields = ["url"]
    ordering = ["id"]
    filter_horizontal = ["mailboxes"]
    inlines = [RecentDeliveryInline]

    def get_fields(self, request: HttpRequest, obj: Webhook | None = None) -> list[str]:
        fields = ["url", "events", "mailboxes", "enabled", "disabled_reason"]
        # The secret is made when the row is saved, so the add page has none to show yet.
        return fields if obj is None else [*fields, "secret", "failing_since", "created_at", "updated_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Webhook | None = None) -> list[str]:
        return [] if obj is None else ["secret", "failing_since", "created_at", "updated_at"]

    def get_inlines(self, request: HttpRequest, obj: Webhook | None) -> list[type[admin.options.InlineModelAdmin]]:
        return [] if obj is None else self.inlines

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, Any, set[str], Any]:
        # Deliveries and attempts are read-only in their own admins, yet go with their webhook.
        deleted, counts, _, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    @admin.display(description="Events")
    def event_names(self, obj: Webhook) -> str:
        return ", ".join(obj.events)

    def save_model(self, request: HttpRequest, obj: Webhook, form: forms.ModelForm, change: bool) -> None:
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "id", "deliveries_count", "created_at"]
    list_filter = ["name"]
    search_fields = ["name", "id__exact"]
    ordering = ["-created_at"]
    fields = ["id", "name", "created_at", "payload_text"]
    readonly_fields = fields
    inlines = [DeliveryInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookEvent]:
        return super().get_queryset(request).annotate(deliveries_total=Count("deliveries"))

    @admin.display(description="Deliveries", ordering="deliveries_total")
    def deliveries_count(self, obj: WebhookEvent) -> int:
        return obj.deliveries_total

    @admin.display(description="Payload")
    def payload_text(self, obj: WebhookEvent) -> str:
        text = bytes(obj.payload).decode("utf-8", errors="replace")
        with contextlib.suppress(ValueError):
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        return format_html("<pre>{}</pre>", text)


class AttemptInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = WebhookAttempt
    fields = ["started_at", "status_code", "duration_ms", "error", "response_body"]
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
