import base64
import binascii
from typing import cast

from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.request import Request

from helpdesk.models import ApiKey, User
from helpdesk.ratelimit import RateLimited, client_ip
from helpdesk.services import ApiKeyRefused, api_key_authenticate

KEY_HEADERS = ("HTTP_X_FREESCOUT_API_KEY", "HTTP_X_SMARTICKS_API_KEY")


def api_user(request: Request) -> User:
    """The user whose key signed a request that a view handles: every action needs a key
    (``IsAuthenticatedOrPreflight`` lets only ``OPTIONS`` in without one, and DRF answers that itself), and
    ``ApiKeyAuthentication`` signs in a ``User``, never anonymous."""
    return cast(User, request.user)


def _key_from_basic_auth(request: Request) -> str | None:
    scheme, _, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "basic" or not credentials:
        return None
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    # The key is the username; the password is ignored.
    return decoded.partition(":")[0] or None


def _key_from_body(request: Request) -> str | None:
    if request.method not in ("POST", "PUT", "PATCH") or not request.content_type.startswith("application/json"):
        return None
    try:
        data = request.data
    except Exception:
        return None
    value = data.get("api_key") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


class ApiKeyAuthentication(BaseAuthentication):
    """FreeScout's ways of passing the key: ``X-FreeScout-API-Key`` or ``X-Smarticks-API-Key`` header,
    HTTP Basic with the key as username, or ``api_key`` in the query string or the JSON body."""

    def authenticate(self, request: Request) -> tuple[User, ApiKey] | None:
        raw_key = (
            next((request.META[h] for h in KEY_HEADERS if request.META.get(h)), None)
            or _key_from_basic_auth(request)
            or request.query_params.get("api_key")
            or _key_from_body(request)
        )
        if not raw_key:
            return None
        try:
            api_key = api_key_authenticate(raw_key=raw_key, client_ip=client_ip(request._request))
        except ApiKeyRefused:
            # FreeScout answers every refused key alike.
            raise AuthenticationFailed("Not Authorized") from None
        except RateLimited as limited:
            # FreeScout documents no 429; it is its error shape with Retry-After (exception_handler).
            raise Throttled(wait=limited.retry_after, detail=limited.message) from None
        return api_key.user, api_key

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) when the key is missing.
        return 'Basic realm="api"'
