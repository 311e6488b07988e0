"""Settings, all read from the environment (the README has the table).

With nothing set this is the *embedded default*: SQLite and the Celery broker live in a local data
directory (``HELPDESK_DATA_DIR``, default ``./data``), so ``make run`` needs no other server. With
``DATABASE_URL`` and ``CELERY_BROKER_URL``/``REDIS_URL`` set, the same code runs against PostgreSQL and
Redis. ``helpdesk.settings_production`` adds the hardening that a public deployment needs.
"""

import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF

from helpdesk.crypto import embedded_key, keys_parse

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DATA_DIR = Path(env.str("HELPDESK_DATA_DIR", default=str(BASE_DIR / "data"))).resolve()


def _embedded_secret_key() -> str:
    """A random key kept in the data directory, so sessions survive restarts of a local install."""
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _embedded_secret_key()

# --- Secrets at rest (mailbox passwords, webhook secrets): helpdesk/crypto.py ------------------------
# Comma-separated Fernet keys: the first encrypts, all decrypt (rotation: README, "Encryption keys"). Without
# it, a key made once in the data directory, like the secret key; production settings require it set.
HELPDESK_ENCRYPTION_KEYS = keys_parse(env.str("HELPDESK_ENCRYPTION_KEYS", default="")) or [embedded_key(DATA_DIR)]
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # django.contrib.admin with our admin site (helpdesk/admin_site.py: autocomplete for admins only).
    "helpdesk.apps.HelpdeskAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "helpdesk",
    "mailboxes",
    "customers",
    "conversations",
    "webhooks",
    "knowledgebase",
    "widgets",
    "helpcenter",
    "audit",
    "presence",
    "reports",
    "freescout",
    "liveagent",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "helpdesk.dialects.ApiRequestGuard",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Audit log (audit/): the services record the request's user or API key and address as the actor.
    "audit.context.AuditRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page (brute-force block below).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend whose rollbacks also delete the files written in them (helpdesk/storage/).
    DATABASES["default"]["ENGINE"] = "helpdesk.sqlite3"
    # Not the data file's path with a prefix (pytest-django would name each xdist worker's database after
    # it, which cannot be opened): the tests put each process's database in a file of its own
    # (tests/conftest.py).
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
    # The web process and the single embedded worker share the file: WAL lets readers run during a
    # write, IMMEDIATE transactions take the write lock up front instead of failing half-way.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # Django's backend with a health check that asks the server only after an idle spell (see the module),
    # whose rollbacks also delete the files written in them (helpdesk/storage/).
    DATABASES["default"]["ENGINE"] = "helpdesk.postgresql"
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    statement_timeout_ms = env.int("DATABASE_STATEMENT_TIMEOUT_MS", default=30_000)
    DATABASES["default"].setdefault("OPTIONS", {})
    session = f"-c statement_timeout={statement_timeout_ms}"
    # The hot reads written out once (helpdesk.postgresql's binary_cursor: bound by the server) are prepared
    # from their fifth run, and then neither parsed nor planned again: their plans do not depend on the
    # values (equalities on an index's leading columns, ordered by the index), so the generic plan is
    # forced; PostgreSQL would otherwise plan the page of a large mailbox anew on every run, its generic
    # estimate looking costlier. Django's own statements bind on the client and are never prepared (only
    # PL/pgSQL's, our tally triggers' INSERTs, also follow the setting). Behind PgBouncer in transaction
    # mode this needs PgBouncer 1.21 or later with max_prepared_statements; DATABASE_PREPARED_STATEMENTS=off
    # turns it off.
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5
        session += " -c plan_cache_mode=force_generic_plan"
    DATABASES["default"]["OPTIONS"]["options"] = session

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Users ------------------------------------------------------------------------------------------

AUTH_USER_MODEL = "helpdesk.User"
# django-axes' backend first: it refuses a locked-out login before any password is checked (brute-force
# block below).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "helpdesk.auth.EmailBackend"]
# The login email is unique among users that are not deleted (a deleted user's address is free for
# reuse), which a partial unique constraint enforces; Django's check only recognises a plain unique field.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Files ------------------------------------------------------------------------------------------

STATIC_URL = "static/"

# Media storage (attachments, user photos; helpdesk/storage/). The local disk under HELPDESK_MEDIA_ROOT by
# default; any S3-compatible object store when HELPDESK_S3_BUCKET is set, so that several web hosts share the
# files. Objects stay private: our own attachment URLs redirect to signed URLs that expire after
# HELPDESK_S3_URL_SECONDS. Without the access keys, boto3 finds credentials its own way (AWS_* variables, an
# instance role). The bucket (or its HELPDESK_S3_PREFIX) belongs to the helpdesk: the sweep below deletes the
# files no row references in the directories the helpdesk writes.
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("HELPDESK_MEDIA_ROOT", default=str(DATA_DIR / "media")))
HELPDESK_S3_BUCKET = env.str("HELPDESK_S3_BUCKET", default="")
# The origins browsers fetch media from besides this host, for the Content-Security-Policy's img-src.
HELPDESK_MEDIA_ORIGINS: list[str] = []
_media_storage: dict[str, object] = {"BACKEND": "helpdesk.storage.backends.LocalStorage"}
if HELPDESK_S3_BUCKET:
    from helpdesk.storage.origins import s3_origins

    _s3 = {
        "bucket_name": HELPDESK_S3_BUCKET,
        "endpoint_url": env.str("HELPDESK_S3_ENDPOINT_URL", default="") or None,
        "region_name": env.str("HELPDESK_S3_REGION", default="") or None,
        "access_key": env.str("HELPDESK_S3_ACCESS_KEY_ID", default="") or None,
        "secret_key": env.str("HELPDESK_S3_SECRET_ACCESS_KEY", default="") or None,
        "location": env.str("HELPDESK_S3_PREFIX", default="").strip("/"),
        # "path" for stores addressed as host/bucket (most self-hosted ones); boto3 picks by default.
        "addressing_style": env.str("HELPDESK_S3_ADDRESSING_STYLE", default="") or None,
        "querystring_expire": env.int("HELPDESK_S3_URL_SECONDS", default=300),
        "querystring_auth": True,
        "signature_version": "s3v4",
        "default_acl": None,
        # Names are unique (a random token per attachment); never overwrite one that exists all the same.
        "file_overwrite": False,
    }
    _media_storage = {"BACKEND": "helpdesk.storage.s3.S3Storage", "OPTIONS": _s3}
    HELPDESK_MEDIA_ORIGINS = s3_origins(
        bucket=HELPDESK_S3_BUCKET,
        endpoint_url=str(_s3["endpoint_url"] or ""),
        region=str(_s3["region_name"] or ""),
        addressing_style=str(_s3["addressing_style"] or ""),
    )
STORAGES = {
    "default": _media_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Stored files that no row references (a process killed mid-upload) are deleted every six hours once older
# than this; longer than any transaction, so a file whose row is being written is never taken.
HELPDESK_FILE_SWEEP_GRACE_HOURS = env.float("HELPDESK_FILE_SWEEP_GRACE_HOURS", default=24)
# The admin's assets are served by WhiteNoise straight from the apps here; production collects them.
WHITENOISE_USE_FINDERS = True

# Requests carrying base64 attachments may be this large; other API routes are held to less.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("HELPDESK_MAX_REQUEST_BYTES", default=15 * 1024 * 1024)
HELPDESK_MAX_JSON_BYTES = env.int("HELPDESK_MAX_JSON_BYTES", default=256 * 1024)
HELPDESK_ATTACHMENT_MAX_BYTES = env.int("HELPDESK_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)

# --- Celery -----------------------------------------------------------------------------------------

# Short timeouts: a broker outage must never hold a web request for long (see reliability.md).
HELPDESK_REDIS_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "visibility_timeout": 3600,
    "max_retries": 1,
}
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or env.str("REDIS_URL", default="") or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS: Mapping[str, object]
if CELERY_BROKER_URL == "filesystem://":
    # Embedded default: messages are files in the data directory, consumed by the one worker that
    # `make run` starts next to the web server (``celery worker --beat --pool solo``).
    _broker_dir = DATA_DIR / "broker"
    _broker_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = HELPDESK_REDIS_TRANSPORT_OPTIONS
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes every database connection before and after each task unless this is set, so
# each task paid a new PostgreSQL connection (benchmarks/README.md, webhook delivery); with it, connections are
# closed every this many tasks and otherwise follow CONN_MAX_AGE and the health check as a request's do
# (helpdesk.celery closes old or broken ones around each task).
CELERY_DB_REUSE_MAX = 10_000
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# --- Outbox (webhook deliveries, outgoing email): helpdesk/outbox.py --------------------------------

# Seconds to wait before each attempt: 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h (about 3 days),
# each with ±20 % jitter. Tests shorten it.
_RETRY_SCHEDULE = ["0", "5", "300", "1800", "7200", "18000", "36000", "50400", "72000", "86400"]
HELPDESK_OUTBOX_RETRY_SCHEDULE = [float(s) for s in env.list("HELPDESK_OUTBOX_RETRY_SCHEDULE", default=_RETRY_SCHEDULE)]
# A worker's claim on a row; longer than one attempt (15 s), after which a killed worker's row is taken again.
HELPDESK_OUTBOX_LEASE_SECONDS = env.float("HELPDESK_OUTBOX_LEASE_SECONDS", default=60)
# How often Celery beat runs the sweepers that send what the on-commit tasks missed.
HELPDESK_OUTBOX_SWEEP_SECONDS = env.float("HELPDESK_OUTBOX_SWEEP_SECONDS", default=15)

# Finished webhook deliveries and their attempts are kept this long (reliability.md asks for ≥ 14 days).
HELPDESK_WEBHOOK_LOG_RETENTION_DAYS = max(14, env.int("HELPDESK_WEBHOOK_LOG_RETENTION_DAYS", default=30))

CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # A sweep that waited longer than its period is dropped: the next one does the same work.
    "webhooks-sweep": {
        "task": "webhooks.sweep",
        "schedule": HELPDESK_OUTBOX_SWEEP_SECONDS,
        "options": {"expires": HELPDESK_OUTBOX_SWEEP_SECONDS},
    },
    "webhooks-purge": {"task": "webhooks.purge", "schedule": 3600.0},
}

# The conversation tally's +1/-1 rows are folded once a minute (lists stay exact without it, only slower).
CELERY_BEAT_SCHEDULE["conversations-tally-compact"] = {
    "task": "conversations.tally_compact",
    "schedule": 60.0,
    "options": {"expires": 60.0},
}

# --- Email ------------------------------------------------------------------------------------------

globals().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="helpdesk@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# How often Celery beat fetches new mail of the mailboxes with incoming (IMAP) settings.
HELPDESK_MAIL_FETCH_SECONDS = env.float("HELPDESK_MAIL_FETCH_SECONDS", default=60)
# Seconds an IMAP connection may wait on the server.
HELPDESK_IMAP_TIMEOUT_SECONDS = env.float("HELPDESK_IMAP_TIMEOUT_SECONDS", default=30)
# Like the webhook sweep, a run that waited longer than its period is dropped: the next one does its work.
CELERY_BEAT_SCHEDULE["outgoing-email-sweep"] = {
    "task": "conversations.outgoing_email_sweep",
    "schedule": HELPDESK_OUTBOX_SWEEP_SECONDS,
    "options": {"expires": HELPDESK_OUTBOX_SWEEP_SECONDS},
}
# Undo send: a reply sent from the agent UI waits this many seconds before it is published (0: at once);
# the task queued with it publishes it when due, and this sweep whatever a worker restart lost.
HELPDESK_UNDO_SEND_SECONDS = max(0.0, env.float("HELPDESK_UNDO_SEND_SECONDS", default=10))
CELERY_BEAT_SCHEDULE["delayed-reply-sweep"] = {
    "task": "conversations.delayed_reply_sweep",
    "schedule": HELPDESK_OUTBOX_SWEEP_SECONDS,
    "options": {"expires": HELPDESK_OUTBOX_SWEEP_SECONDS},
}
CELERY_BEAT_SCHEDULE["mail-fetch"] = {
    "task": "conversations.mail_fetch",
    "schedule": HELPDESK_MAIL_FETCH_SECONDS,
    "options": {"expires": HELPDESK_MAIL_FETCH_SECONDS},
}

# Files uploaded on their own (the LiveAgent API's POST /files) and attached to no message after this many
# days are deleted, hourly; LiveAgent documents two weeks.
HELPDESK_UNATTACHED_FILE_DAYS = env.int("HELPDESK_UNATTACHED_FILE_DAYS", default=14)
CELERY_BEAT_SCHEDULE["attachments-purge"] = {
    "task": "conversations.attachments_purge",
    "schedule": 3600.0,
    "options": {"expires": 3600.0},
}
# Stored files no row references (HELPDESK_FILE_SWEEP_GRACE_HOURS above; helpdesk/storage/sweep.py).
CELERY_BEAT_SCHEDULE["files-sweep"] = {
    "task": "helpdesk.files_sweep",
    "schedule": 6 * 3600.0,
    "options": {"expires": 6 * 3600.0},
}

# --- API --------------------------------------------------------------------------------------------

# drf-spectacular serves the API documentation's scripts from this host (the sidecar package); what each
# API's schema says is the dialect's own (``freescout.schema.SCHEMA_SETTINGS``).
SPECTACULAR_SETTINGS = {
    # Its deploy check would generate a schema of every view with these global settings, not a dialect's;
    # tests/freescout/test_openapi.py generates the FreeScout schema with --validate --fail-on-warn instead.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# drf-spectacular's schema class, as its installation asks, so that it can document any view; no API
# convention lives here:
REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}

# Each API dialect sets its own DRF classes on its base view (``freescout.plumbing.views``,
# ``liveagent.plumbing.views``) and its error shape before views run (``helpdesk.dialects``), by prefix:
HELPDESK_API_DIALECTS = {
    "/api/": "freescout.dialect.FREESCOUT",
    "/liveagent/api/": "liveagent.dialect.LIVEAGENT",
    # LiveAgent's file downloads (``downloadUrl``), beside its API as LiveAgent's /scripts/ is beside /api/.
    "/liveagent/scripts/": "liveagent.dialect.LIVEAGENT",
}

# LiveAgent API v1 dates (``YYYY-MM-DD HH:MM:SS``, no offset) are written and read in this time zone.
LIVEAGENT_TIME_ZONE = env.str("LIVEAGENT_TIME_ZONE", default="UTC")
# The LiveAgent version ``GET /application/status`` claims (liveagent/application.py says why this one).
LIVEAGENT_VERSION = env.str("LIVEAGENT_VERSION", default="4.47.0.0")


# The public URL of this installation: absolute links in API responses, webhooks and emails.
HELPDESK_BASE_URL = env.str("HELPDESK_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS = env.bool("HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS", default=False)
# Remote images in messages load, when an agent asks, through our proxy (conversations/image_proxy.py): at
# most this many bytes each. Its private-network switch is for tests and local development only (the browser
# test serves an image on loopback); in production, an email must never make the server fetch an intranet URL.
HELPDESK_IMAGE_PROXY_MAX_BYTES = env.int("HELPDESK_IMAGE_PROXY_MAX_BYTES", default=5 * 1024 * 1024)
HELPDESK_IMAGE_PROXY_ALLOW_PRIVATE_NETWORKS = False
# The language whose stemmer conversation search uses on PostgreSQL (a ``<language>_stem`` dictionary, or
# ``simple`` for none); applied, and the index refilled, by ``migrate`` (conversations/search.py).
HELPDESK_SEARCH_LANGUAGE = env.str("HELPDESK_SEARCH_LANGUAGE", default="english")

HELPDESK_CORS_ORIGINS = env.list("HELPDESK_CORS_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/(api|liveagent/api)/.*$"
CORS_ALLOW_ALL_ORIGINS = HELPDESK_CORS_ORIGINS == ["*"]
CORS_ALLOWED_ORIGINS = [] if CORS_ALLOW_ALL_ORIGINS else HELPDESK_CORS_ORIGINS
CORS_ALLOW_HEADERS = ["content-type", "authorization", "x-freescout-api-key", "x-smarticks-api-key", "apikey"]
CORS_ALLOW_METHODS = ["GET", "POST", "PUT", "DELETE", "OPTIONS"]

# Contact widgets' public form (widgets/public.py): submissions taken per client IP and per widget in each
# window (counted in Django's cache; give it a shared one, such as Redis, when several processes serve), and
# the longest message and request body it reads.
HELPDESK_WIDGET_SUBMISSIONS_PER_IP = env.int("HELPDESK_WIDGET_SUBMISSIONS_PER_IP", default=10)
HELPDESK_WIDGET_SUBMISSIONS_PER_WIDGET = env.int("HELPDESK_WIDGET_SUBMISSIONS_PER_WIDGET", default=200)
HELPDESK_WIDGET_RATE_WINDOW_SECONDS = env.int("HELPDESK_WIDGET_RATE_WINDOW_SECONDS", default=600)
HELPDESK_WIDGET_MESSAGE_MAX_CHARS = env.int("HELPDESK_WIDGET_MESSAGE_MAX_CHARS", default=10_000)
HELPDESK_WIDGET_MAX_REQUEST_BYTES = env.int("HELPDESK_WIDGET_MAX_REQUEST_BYTES", default=256 * 1024)

# --- Presence (presence/): agents online while their admin pages are open ---------------------------
# Admin pages that do not poll send a heartbeat this often (the conversation list and page poll every 10 s
# and their polls count); an agent silent for two periods is idle, and offline (F) after the idle time.
HELPDESK_PRESENCE_HEARTBEAT_SECONDS = env.int("HELPDESK_PRESENCE_HEARTBEAT_SECONDS", default=30)
HELPDESK_PRESENCE_IDLE_SECONDS = env.int("HELPDESK_PRESENCE_IDLE_SECONDS", default=180)
# Closes the intervals of agents gone idle; readers do the same lazily, so a late sweep changes no answer.
CELERY_BEAT_SCHEDULE["presence-sweep"] = {"task": "presence.sweep", "schedule": 60.0, "options": {"expires": 60.0}}

# --- Brute-force limits (issue 20, item 4): admin logins, API keys; helpdesk/ratelimit.py ---------------

# Reverse proxies in front that each append the address they saw to X-Forwarded-For (0: REMOTE_ADDR is the
# client). Logins, API keys and the contact widget all count per helpdesk.ratelimit.client_ip.
HELPDESK_TRUSTED_PROXY_COUNT = env.int("HELPDESK_TRUSTED_PROXY_COUNT", default=0)
# Failed logins of one username from one address before every login for it from there, the right password
# included, is refused for the lockout (django-axes; a success resets the count).
HELPDESK_LOGIN_FAILURE_LIMIT = env.int("HELPDESK_LOGIN_FAILURE_LIMIT", default=10)
HELPDESK_LOGIN_LOCKOUT_MINUTES = env.float("HELPDESK_LOGIN_LOCKOUT_MINUTES", default=15)
AXES_FAILURE_LIMIT = HELPDESK_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=HELPDESK_LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Logins are by email, case-insensitively: "Ada@x" and "ada@x " are one username to count.
AXES_USERNAME_CALLABLE = "helpdesk.auth.login_username"
AXES_CLIENT_IP_CALLABLE = "helpdesk.ratelimit.client_address"
# The refusal in the admin's look, 429 with Retry-After (helpdesk.auth.lockout_response).
AXES_LOCKOUT_CALLABLE = "helpdesk.auth.lockout_response"
# Attempts are rows (the admin lists them under "Axes"; deleting one unlocks, as do the axes_reset commands)
# and expire after the lockout. Each success would otherwise add a row too.
AXES_DISABLE_ACCESS_LOG = True
# Lockouts are logged; the banner it would print at every start of every command is not.
AXES_VERBOSE = False
# API keys, counted in the cache per fixed minute: failed authentications per client address (beyond them,
# 429 until the minute ends), and requests per key (a valid key is limited only by this).
HELPDESK_API_KEY_FAILURES_PER_MINUTE = env.int("HELPDESK_API_KEY_FAILURES_PER_MINUTE", default=20)
HELPDESK_API_KEY_REQUESTS_PER_MINUTE = env.int("HELPDESK_API_KEY_REQUESTS_PER_MINUTE", default=1000)

# The counters' cache: Redis when configured (every process then shares the counts), else per process.
_CACHE_URL = env.str("CACHE_URL", default="") or env.str("REDIS_URL", default="")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _CACHE_URL,
            "KEY_PREFIX": "helpdesk",
            # Short, like the broker's: a Redis outage must not hold requests (the limits then let them pass).
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
        if _CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Content-Security-Policy (issue 20, item 5): django-csp on every response ------------------------------
# Rules for anyone adding a page or a script (tests/core/test_csp_pages.py and every browser test enforce them;
# a browser test fails on any CSP violation in the console):
# - Scripts come from our static files (<script src="{% static ... %}">). No inline <script> and no on*=
#   handler attributes or javascript: URLs: put the code in a static file and bind events with
#   addEventListener. Where an inline <script> or <style> cannot be avoided, give it
#   nonce="{{ request.csp_nonce }}". 'unsafe-inline' and 'unsafe-eval' never go into script-src (a vendored
#   library that needs eval, such as a chart library's template compiler, must be configured without it).
# - Styles come from static CSS files. No style="..." attributes in templates (a class in a static CSS file
#   instead); setting element.style from a script (CSSOM) is allowed.
# - Images, fonts and fetch()/XHR come from our own host only: a remote image in a message is shown through
#   the image proxy (conversations/image_proxy.py), a font or chart library is vendored into static files.
# - No page may be framed (frame-ancestors 'none'); no <object>/<embed>; forms post to our host only.
# A view that truly needs more says so with csp.decorators.csp_update/csp_replace next to the view, with a
# comment saying why (the API documentation's views do: helpdesk/api_docs.py).
INSTALLED_APPS.append("csp")
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # Our host, and the object store our attachment URLs redirect to when media lives there (storage block).
        "img-src": [SELF, *HELPDESK_MEDIA_ORIGINS],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "frame-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Reports (reports/): hourly sums folded, tickets load sampled (LiveAgent #47) --------------------------
CELERY_BEAT_SCHEDULE["reports-compact"] = {"task": "reports.compact", "schedule": 300.0, "options": {"expires": 300.0}}
CELERY_BEAT_SCHEDULE["reports-load-sample"] = {
    "task": "reports.load_sample",
    "schedule": env.float("HELPDESK_REPORTS_LOAD_SAMPLE_SECONDS", default=300.0),
    "options": {"expires": 300.0},
}

# --- Logging ----------------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"scrub_api_keys": {"()": "helpdesk.logging.ScrubApiKeys"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["scrub_api_keys"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
