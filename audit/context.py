"""Who is acting, for the audit log: the request being served (set by ``AuditRequestMiddleware``), so that the
services record the actor without every caller passing it. Outside a request (Celery tasks, management
commands) nobody is acting but the system, unless ``audit_actor`` says otherwise."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

from helpdesk.models import ApiKey, User
from helpdesk.ratelimit import client_address


@dataclass(frozen=True)
class Actor:
    user: User | None = None
    api_key: ApiKey | None = None
    remote_addr: str | None = None
    label: str = "system"


_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)
_actor: ContextVar[Actor | None] = ContextVar("audit_actor", default=None)


class AuditRequestMiddleware:
    """Makes the request known to ``audit_actor_current`` while it is served."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


@contextmanager
def audit_actor(*, user: User | None = None, label: str = "") -> Iterator[None]:
    """Records changes made inside as ``user``'s (or as ``label``, such as a command's name)."""
    token = _actor.set(Actor(user=user, label=label or (user.email if user else "system")))
    try:
        yield
    finally:
        _actor.reset(token)


def audit_actor_current() -> Actor:
    if (actor := _actor.get()) is not None:
        return actor
    request = _request.get()
    if request is None:
        return Actor()
    # The client as the brute-force limits see it (behind HELPDESK_TRUSTED_PROXY_COUNT proxies).
    remote_addr = client_address(request)
    # DRF copies the authenticated user and key onto the Django request (``request.auth``).
    api_key = getattr(request, "auth", None)
    user = getattr(request, "user", None)
    if isinstance(api_key, ApiKey):
        user = api_key.user
        return Actor(
            user=user, api_key=api_key, remote_addr=remote_addr, label=f"{user.email} (API key {api_key.prefix}…)"
        )
    if isinstance(user, User):
        return Actor(user=user, remote_addr=remote_addr, label=user.email)
    return Actor(remote_addr=remote_addr, label="anonymous")
