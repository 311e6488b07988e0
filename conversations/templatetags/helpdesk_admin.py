"""Template helpers of the agent UI."""

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from conversations.services import body_sanitise
from mailboxes.selectors import folder_navigation

register = template.Library()


@register.filter
def sanitised(body: str) -> SafeString:
    """Message HTML, cleaned again on the way out: bodies are sanitised when stored, but imports and older
    rows must not be trusted to have been."""
    return mark_safe(body_sanitise(body))  # noqa: S308 - nh3 has just removed scripts, handlers and unsafe URLs


@register.inclusion_tag("admin/helpdesk/folder_navigation.html", takes_context=True)
def folder_sidebar(context: dict[str, Any], current_folder: Any = None) -> dict[str, Any]:
    request = context["request"]
    return {
        "navigation": folder_navigation(user=request.user),
        "current_folder_id": getattr(current_folder, "pk", None),
        "changelist_url": "admin:conversations_conversation_changelist",
    }
