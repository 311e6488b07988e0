"""The status control in the admin header (templates/admin/base_site.html), beside the bell."""

from typing import Any

from django import template
from django.conf import settings

from presence.models import LETTERS, OFFLINE
from presence.selectors import preset_status_of
from presence.status_labels import LETTER_NAMES, status_label

register = template.Library()


@register.inclusion_tag("presence/control.html", takes_context=True)
def presence_control(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return {"show": False}
    preset = preset_status_of(users=[user])[user.pk]
    return {
        "show": True,
        "preset": preset,
        "offline": preset == OFFLINE,
        "label": status_label(preset),
        "choices": [(letter, LETTER_NAMES[letter], letter in preset) for letter in LETTERS],
        "heartbeat_seconds": settings.HELPDESK_PRESENCE_HEARTBEAT_SECONDS,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
