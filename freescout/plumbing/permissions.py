from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class IsAuthenticatedOrPreflight(BasePermission):
    """A key is needed for everything but ``OPTIONS`` (CORS preflight and method discovery)."""

    def has_permission(self, request: Request, view) -> bool:
        return request.method == "OPTIONS" or bool(request.user and request.user.is_authenticated)


class IsAdmin(BasePermission):
    message = "Only an admin's API key may do this."

    def has_permission(self, request: Request, view) -> bool:
        user = request.user
        return request.method == "OPTIONS" or bool(user and user.is_authenticated and user.is_admin)
