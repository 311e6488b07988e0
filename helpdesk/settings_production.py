"""Production hardening on top of ``helpdesk.settings``: refuses to start without a real secret key or without
the encryption keys of the secrets at rest."""

from django.core.exceptions import ImproperlyConfigured

from helpdesk.crypto import KEY_COMMAND, keys_parse
from helpdesk.settings import *  # noqa: F403
from helpdesk.settings import env

SECRET_KEY = env.str("SECRET_KEY", default="")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of at least 50 characters in production.")

# --- Secrets at rest: the keys come from the environment, never from a file made on the spot -------
HELPDESK_ENCRYPTION_KEYS = keys_parse(env.str("HELPDESK_ENCRYPTION_KEYS", default=""))
if not HELPDESK_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "HELPDESK_ENCRYPTION_KEYS must be set in production: it encrypts mailbox passwords and webhook secrets "
        f"in the database. Make a key with: {KEY_COMMAND} (keep it safe: without it they cannot be read)."
    )

DEBUG = env.bool("DEBUG", default=False)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# The health check of a load balancer talks plain HTTP to the instance.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Joining the browsers' preload list is hard to undo and concerns the whole registrable domain, so it is the
# operator's decision (SECURE_HSTS_PRELOAD=true), not a default; the check that asks for it is silenced.
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W021"]  # noqa: F405
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

STATIC_ROOT = BASE_DIR / "staticfiles"  # noqa: F405
# Media as helpdesk.settings chose it (the local disk, or the object store when configured).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = False
