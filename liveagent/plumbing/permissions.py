from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class HasApiKey(BasePermission):
    """Every LiveAgent operation needs a key (a missing one is a 401)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated)


class IsAdminKey(HasApiKey):
    """Configuration writes and reports need an admin's key (reference §1): otherwise 403."""

    message = "Only an admin's API key may do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return super().has_permission(request, view) and bool(getattr(request.user, "is_admin", False))
