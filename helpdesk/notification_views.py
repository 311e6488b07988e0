"""The bell's pages: every recent notice, opening one (marks it read, then goes to its conversation), and
marking all read. Staff only; each write is one ``helpdesk.notification_services`` call."""

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from helpdesk.admin import admin_user
from helpdesk.models import Notification
from helpdesk.notification_services import notifications_mark_read
from helpdesk.selectors import notifications_recent


@require_safe
@staff_member_required
def notification_list(request: HttpRequest) -> HttpResponse:
    user = admin_user(request)
    return TemplateResponse(
        request,
        "admin/helpdesk/notifications.html",
        {
            **admin.site.each_context(request),
            "title": "Notifications",
            "notifications": notifications_recent(user=user),
        },
    )


@require_POST
@staff_member_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """POST, so that a link prefetch cannot mark anything read."""
    user = admin_user(request)
    notification = get_object_or_404(Notification, pk=pk, user=user)
    notifications_mark_read(user=user, conversation_id=notification.conversation_id)
    target = reverse("admin:conversations_conversation_change", args=[notification.conversation_id])
    if notification.thread_id is not None:
        target += f"#thread-{notification.thread_id}"
    return HttpResponseRedirect(target)


@require_POST
@staff_member_required
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    notifications_mark_read(user=admin_user(request))
    next_url = request.POST.get("next", "")
    if not next_url.startswith("/") or next_url.startswith("//"):
        next_url = reverse("notification-list")
    return HttpResponseRedirect(next_url)
