"""Template helpers of the agent UI."""

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from conversations.rendering import attachments_listed, thread_body_render
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


@register.inclusion_tag("admin/conversations/thread_body.html", takes_context=True)
def thread_body(context: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """A thread's body (quoted history folded, token hidden, remote images held back until the agent asks
    with ``?images=<thread id>`` or ``?images=all``) and the attachments not already shown in it. ``entry``
    needs ``id``, ``body`` and ``attachments`` (dicts with ``token``, ``file_name``, ``size`` and ``url``)."""
    request = context["request"]
    asked = request.GET.get("images", "")
    load_images = asked == "all" or str(entry["id"]) in asked.split(",")
    rendered = thread_body_render(entry["body"], load_images=load_images)
    query = request.GET.copy()
    query["images"] = ",".join(filter(None, [*asked.split(","), str(entry["id"])]))
    return {
        "entry": entry,
        "body": rendered,
        "attachments": attachments_listed(list(entry.get("attachments") or ()), rendered),
        "load_images_url": f"{request.path}?{query.urlencode()}#thread-{entry['id']}",
    }
