"""The notification bell in the admin header (templates/admin/base_site.html)."""

from typing import Any

from django import template

from helpdesk.selectors import notifications_for_bell

register = template.Library()


@register.inclusion_tag("admin/helpdesk/bell.html", takes_context=True)
def notification_bell(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return {"show": False}
    unread, recent = notifications_for_bell(user=user)
    return {
        "show": True,
        "unread": unread,
        "recent": recent,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
