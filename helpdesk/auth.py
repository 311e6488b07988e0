"""Password logins: the email backend, and what django-axes needs to lock out guessing (settings: brute-force
limits) — the username it counts, and the refusal it answers."""

import math
from typing import Any

from axes.helpers import get_cool_off
from django.contrib import admin
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from helpdesk.models import User


class EmailBackend(ModelBackend):
    """Logs in by email, case-insensitively, among users that are not deleted."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs
    ):
        email = username or kwargs.get("email")
        if not email or password is None:
            return None
        user = User.objects.exclude(status=User.Status.DELETED).filter(email__iexact=email.strip()).first()
        if user is None:
            # Same cost as a wrong password, so response times do not reveal which emails exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id: int):
        user = User.objects.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


def login_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    """The username django-axes counts failures under: the email as ``EmailBackend`` matches it (trimmed,
    any case), so that changing its case or padding it does not buy an attacker new guesses."""
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        value = request.POST.get("username")
    return str(value or "").strip().lower()


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """django-axes' refusal of a locked-out login: the admin's page saying why and for how long, a 429 with
    ``Retry-After``. Every attempt during the lockout starts its wait again (axes' default), so the wait is
    the whole lockout from now."""
    cool_off = get_cool_off(request)
    seconds = max(1, math.ceil(cool_off.total_seconds())) if cool_off else 0
    minutes = math.ceil(seconds / 60)
    context = {
        **admin.site.each_context(request),
        "title": "Too many failed sign-ins",
        "lockout_minutes": minutes,
    }
    response = TemplateResponse(request, "admin/lockout.html", context, status=429)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response.render()
