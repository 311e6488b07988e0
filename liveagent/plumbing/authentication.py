from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.request import Request

from helpdesk.models import ApiKey, User
from helpdesk.ratelimit import RateLimited, client_ip
from helpdesk.services import ApiKeyRefusal, ApiKeyRefused, api_key_authenticate
from liveagent.plumbing.errors import UnusableApiKey
from liveagent.plumbing.parsers import request_params

_UNUSABLE = {
    ApiKeyRefusal.REVOKED: "This API key has been revoked.",
    ApiKeyRefusal.USER_DISABLED: "This API key's user is disabled.",
}


class ApiKeyAuthentication(BaseAuthentication):
    """LiveAgent's ``apikey``, on every method: a parameter (query string or body, the body winning, as for
    every parameter) or, as real v1 clients also send it, an ``apikey`` header. A key that matches nothing is
    a 401; one that matches but may not be used (revoked, user disabled) is a 400 (reference §1)."""

    def authenticate(self, request: Request) -> tuple[User, ApiKey] | None:
        raw_key = request_params(request).get("apikey") or request.META.get("HTTP_APIKEY")
        if not raw_key:
            return None
        try:
            api_key = api_key_authenticate(raw_key=raw_key, client_ip=client_ip(request._request))
        except ApiKeyRefused as refused:
            if refused.reason in _UNUSABLE:
                raise UnusableApiKey(_UNUSABLE[refused.reason]) from None
            raise AuthenticationFailed("Wrong API key.") from None
        except RateLimited as limited:
            # v1 documents no 429; it is the envelope with Retry-After (liveagent.plumbing.errors).
            raise Throttled(wait=limited.retry_after, detail=limited.message) from None
        return api_key.user, api_key

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer a missing key with 401, not 403.
        return 'apikey realm="LiveAgent API"'
