import json
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from helpdesk.admin import ServiceErrorsAsMessagesMixin, adopt
from widgets import services
from widgets.models import Widget
from widgets.snippets import embed_script_url, integration_code, site_origin

# What the admin edits; the counters, the key and the CODE8 overrides (an API client's) are not.
EDITABLE = [
    "name",
    "type",
    "mailbox",
    "knowledge_base",
    "status",
    "use_code",
    "provide",
    "language",
    "description",
    "form_fields",
    "attributes",
    "offline_code_css",
]


class ReadableJSONField(forms.JSONField):
    """One item per line: form_fields are edited by hand."""

    def prepare_value(self, value: Any) -> str:
        if isinstance(value, str):  # the text typed, when the form comes back with an error
            return value
        return json.dumps(value, indent=2, ensure_ascii=False)


class WidgetForm(forms.ModelForm):
    form_fields = ReadableJSONField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "cols": 90}),
        help_text=(
            'A JSON list of {"code", "name", "description", "rtype", "rstatus", "visibility", "validator", '
            '"availablevalues", "formid"}: rtype T text, M several lines, E email, L list, C checkbox; rstatus '
            "M mandatory. Empty: name, email, subject, message. Email and message are always asked."
        ),
    )
    attributes = ReadableJSONField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 90}),
        help_text=(
            'A JSON list of {"name", "section", "value"}; the names title, intro, button and color '
            "(#rrggbb) change the form's texts and accent colour."
        ),
    )

    class Meta:
        model = Widget
        fields = EDITABLE
        help_texts = {
            "offline_code_css": "CSS added to the form's own (it is drawn in a shadow root: classes start with hdw-).",
            "knowledge_base": "Searched by the Search and Knowledge base types (the default one when empty).",
        }
        labels = {"offline_code_css": "Custom CSS", "use_code": "Use code", "provide": "Provides"}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2, "cols": 90}),
        }


@admin.register(Widget)
class WidgetAdmin(ServiceErrorsAsMessagesMixin, admin.ModelAdmin):
    """Every write goes through ``widgets.services``; the page shows the snippet to paste."""

    form = WidgetForm
    list_display = ["name", "type", "mailbox", "status", "impressions", "tickets", "last_display_time"]
    list_filter = ["type", "status", "mailbox"]
    search_fields = ["name", "description"]
    ordering = ["id"]
    readonly_fields = ["snippet", "impressions", "tickets", "last_display_time", "last_display_url", "created_at"]
    list_select_related = ["mailbox"]

    def get_fields(self, request: HttpRequest, obj: Widget | None = None) -> list[str | list[str] | tuple[str, ...]]:
        return [*EDITABLE] if obj is None else ["snippet", *EDITABLE, *self.readonly_fields[1:]]

    @admin.display(description="Snippet to paste into your site")
    def snippet(self, obj: Widget) -> str:
        code = integration_code(obj)
        return format_html(
            '<textarea readonly rows="3" cols="90" class="hd-widget-snippet" aria-label="Snippet">{}</textarea>'
            '<div class="help">Paste it where the {} should appear; it works on any site. '
            '<a href="{}">Preview it</a>.</div>',
            code,
            "search box" if obj.is_search else "contact form",
            reverse("admin:widgets_widget_preview", args=[obj.pk]),
        )

    def get_urls(self) -> list[URLPattern]:
        preview = self.admin_site.admin_view(self.preview_view)
        return [
            path("<path:object_id>/preview/", preview, name="widgets_widget_preview"),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The widget drawn by its own snippet, as on a customer's site (the script from our address)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        widget = self.get_object(request, object_id)
        if widget is None:
            raise Http404
        context = {
            **self.admin_site.each_context(request),
            "widget": widget,
            "origin": site_origin(),
            "script_url": embed_script_url(widget),
            "title": f"Preview: {widget.name}",
        }
        return TemplateResponse(request, "admin/widgets/widget/preview.html", context)

    def _given(self, form: forms.ModelForm) -> dict[str, Any]:
        data = dict(form.cleaned_data)
        for column in ("attributes", "form_fields"):
            data[column] = data.get(column) or []
        return {"name": data.pop("name"), "mailbox": data.pop("mailbox"), **data}

    def save_model(self, request: HttpRequest, obj: Widget, form: forms.ModelForm, change: bool) -> None:
        given = self._given(form)
        if not change:
            adopt(obj, services.widget_create(**given))
            return
        current = Widget.objects.get(pk=obj.pk)
        # The admin edits part of the widget: what it does not show (the API's CODE8, times) is kept.
        kept = {
            column: getattr(current, column)
            for column in (*services.CODE_FIELDS, "last_display_time", "last_display_url")
            if column not in given
        }
        adopt(obj, services.widget_update(widget=current, **given, **kept))

    def delete_model(self, request: HttpRequest, obj: Widget) -> None:
        services.widget_delete(widget=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Widget]) -> None:
        for widget in queryset:
            services.widget_delete(widget=widget)
