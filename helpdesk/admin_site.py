"""The admin site, Django's own but for one view: its autocomplete endpoint answers admins only.

Django answers ``/admin/autocomplete/`` for any relation to a model the signed-in user may view, whether or
not a screen offers a picker for it, so agents (who may view conversations, customers and knowledge-base
entries) could page through their mailboxes' customers and conversations by name. No agent screen has an
autocomplete widget, and the README promises none is offered: the endpoint refuses agents (403) for every
model, which keeps that true for models added later too."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from helpdesk.models import User


class HelpdeskAdminSite(admin.AdminSite):
    def autocomplete_view(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not (isinstance(user, User) and user.is_active and user.is_admin):
            raise PermissionDenied
        return super().autocomplete_view(request)
