"""The admin site, Django's own but for two things: its autocomplete endpoint answers admins only, and the app
list every page's context carries is built only when a template reads it.

Django answers ``/admin/autocomplete/`` for any relation to a model the signed-in user may view, whether or
not a screen offers a picker for it, so agents (who may view conversations, customers and knowledge-base
entries) could page through their mailboxes' customers and conversations by name. No agent screen has an
autocomplete widget, and the README promises none is offered: the endpoint refuses agents (403) for every
model, which keeps that true for models added later too."""

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from helpdesk.models import User


class HelpdeskAdminSite(admin.AdminSite):
    def autocomplete_view(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not (isinstance(user, User) and user.is_active and user.is_admin):
            raise PermissionDenied
        return super().autocomplete_view(request)

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> Any:
        # ``each_context`` puts it in every admin page's context, yet only the index pages and Django's nav
        # sidebar show it, and building it reverses URLs for every model: the agent UI's pages never read it.
        return SimpleLazyObject(lambda: super(HelpdeskAdminSite, self).get_app_list(request, app_label))
