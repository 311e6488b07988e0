from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

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
