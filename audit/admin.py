"""The audit log in the admin: admins read it (filtered by action, actor, kind of target and date); nobody
adds, changes or deletes an entry here. Agents do not see it (``helpdesk.permissions`` grants them nothing in
this app)."""

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from audit.models import AuditEntry
from helpdesk.admin import ReadOnlyAdminMixin


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "action", "actor_label", "target_type", "target_label", "remote_addr"]
    list_filter = ["action", ("actor", admin.RelatedOnlyFieldListFilter), "target_type", "created_at"]
    list_select_related = ["actor"]
    search_fields = ["actor_label", "target_label", "target_id"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    FIELDS = (
        "created_at",
        "action",
        "actor_label",
        "actor",
        "actor_api_key",
        "remote_addr",
        "target_type",
        "target_id",
        "target_label",
        "changes_shown",
    )
    fields = FIELDS
    readonly_fields = FIELDS

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}  # no bulk deletion, nothing else either

    @admin.display(description="Changes")
    def changes_shown(self, obj: AuditEntry) -> str:
        if not obj.changes:
            return "-"
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td><code>{}</code></td><td><code>{}</code></td></tr>",
            ((field, _json(change.get("before")), _json(change.get("after"))) for field, change in obj.changes.items()),
        )
        return format_html(
            '<table class="hd-audit-changes"><thead><tr><th>Field</th><th>Before</th><th>After</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            rows,
        )


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)
