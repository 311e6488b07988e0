"""The admin's own 403 and 404 pages: inside the admin layout (header, the agent's Conversations link), saying
what happened and where to go, instead of Django's bare HTML. Only for paths under the admin; the API dialects
answer in their own error shapes (helpdesk.dialects decides which, by prefix) and other paths keep Django's
defaults."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse

PAGES = {
    403: (
        "You do not have access to this page",
        "Your role or your mailboxes do not include it. An administrator can change that on your user page.",
    ),
    404: (
        "This page does not exist",
        "It may have been deleted or moved to a mailbox you cannot open, or the address is mistyped.",
    ),
}


def is_admin_path(path: str) -> bool:
    return path.startswith(reverse("admin:index"))


def admin_error_page(request: HttpRequest, status: int) -> HttpResponse:
    heading, explanation = PAGES[status]
    context = {
        **admin.site.each_context(request),
        "title": heading,
        "status": status,
        "explanation": explanation,
    }
    response = TemplateResponse(request, "admin/error_page.html", context, status=status)
    return response.render()
