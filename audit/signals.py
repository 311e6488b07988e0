"""Audit entries for what no service of ours does: django-axes locking a sign-in out after too many failures."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from audit.models import AuditAction
from audit.services import audit_record
from helpdesk.models import User


def login_locked_out(sender: Any, *, request: HttpRequest, username: str | None, **kwargs: Any) -> None:
    """Records a lockout once, when it starts: axes says so again at every refused attempt during it, which
    an attacker could repeat without end."""
    if getattr(request, "axes_failures_since_start", None) != settings.AXES_FAILURE_LIMIT:
        return
    user = User.objects.exclude(status=User.Status.DELETED).filter(email__iexact=username or "").first()
    audit_record(
        action=AuditAction.LOGIN_LOCKED_OUT,
        target=user,
        target_type="user" if user else "login",
        target_label=str(user) if user else (username or "")[:255],
    )
