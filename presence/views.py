"""The agent UI's presence endpoints: the status control in the admin header posts the preset here, and
admin pages that do not poll send their heartbeat here (presence/static/presence/presence.js). Staff only;
each write is one ``presence.services`` call."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from helpdesk.admin import admin_user
from presence.models import OFFLINE
from presence.services import presence_heartbeat, presence_preset_set
from presence.status_labels import status_label


@require_POST
@staff_member_required
def preset_view(request: HttpRequest) -> HttpResponse:
    """``letters`` (repeated: M, P, R, T) or ``offline=1``. From the page's script (``X-Requested-With``):
    JSON ``{"preset", "label"}``, or 400 ``{"errors"}``. From the plain form: back to ``next``, with the
    refusal as an error message."""
    chosen = OFFLINE if request.POST.get("offline") == "1" else "".join(request.POST.getlist("letters"))
    background = request.headers.get("X-Requested-With") == "XMLHttpRequest"
    try:
        presence = presence_preset_set(user=admin_user(request), preset_status=chosen, now=timezone.now())
    except ValidationError as error:
        if background:
            return JsonResponse({"errors": error.message_dict}, status=400)
        messages.error(request, " ".join(error.messages))
    else:
        if background:
            return JsonResponse({"preset": presence.preset_status, "label": status_label(presence.preset_status)})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("admin:index")
    return HttpResponseRedirect(target)


@require_POST
@staff_member_required
def heartbeat_view(request: HttpRequest) -> HttpResponse:
    presence_heartbeat(user=admin_user(request), now=timezone.now())
    return HttpResponse(status=204)
