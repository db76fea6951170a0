"""Settings, read from the environment. `.env.example` lists every variable."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-dev-only-key-change-me-for-any-real-deployment")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
else:
    try:
        SECRET_KEY = env.str("SECRET_KEY")
        ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(f"{exc}. SECRET_KEY and ALLOWED_HOSTS are required when DEBUG is off.") from exc
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must name at least one host when DEBUG is off.")

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "registration_portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "phonenumber_field",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_htmx",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "applicants",
    "vpn_records",
    "evidence",
    "bulk_uploads",
    "whitelist",
    "drives",
    "certificates",
    "licensing",
    "notifications",
]

MIDDLEWARE = [
    "core.access_log.AccessLogMiddleware",  # first: it times and logs every request, checks too
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "whitelist.middleware.WhitelistCheckFastPath",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "applicants.middleware.StaffOtpMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "core.api_contract.ApiContractMiddleware",  # 405 and query-string checks for every API view
]

ROOT_URLCONF = "registration_portal.urls"
WSGI_APPLICATION = "registration_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.views.unread_count",
                "core.context_processors.support",
                "drives.context_processors.registration_window",
            ],
        },
    },
    {
        # Plain-text email and SMS: the same templates directory, nothing HTML-escaped.
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {"autoescape": False},
    },
]

# PostgreSQL only. With DATABASE_URL unset, an embedded server (registration_portal/embedded_postgres.py) starts.
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database (postgres://…).")
    # A Unix socket's directory, percent-encoded as the host: postgres://postgres@%2Frun%2Fpostgresql/portal
    DATABASES["default"]["HOST"] = unquote(DATABASES["default"]["HOST"])
else:
    from registration_portal.embedded_postgres import database_settings

    DATABASES = {"default": database_settings(BASE_DIR)}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# A `SELECT 1` before each request's first query, so a connection the database dropped is replaced, not failed on.
# It is a round trip per request: API-only processes may prefer to spend it on requests.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
# PostgreSQL's JIT compiles each large-looking query for ~0.1 s: more than our index lookups take to run (a
# 100,000-row bulk upload spent 6 s compiling). Nothing here is the long analytical query JIT serves.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "applicants.User"
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]

# Staff sign in to the admin with a one-time password (TOTP, or a backup code) besides their password.
STAFF_2FA_REQUIRED = env.bool("STAFF_2FA_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = "VPN Registration Portal"
# Repeated failed logins lock the account from that address for a while (django-axes).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "core.security.lockout_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "core.client_address.client_address"
LOGIN_URL = "applicants:login"
LOGIN_REDIRECT_URL = "vpn_records:dashboard"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3
# Sign-up, confirmation and reset emails, API tokens and account changes: attempts per account and per client
# address (each action counted on its own), as DRF rates: "5/hour", "30/minute".
ACCOUNT_RATE_PER_ACCOUNT = env.str("ACCOUNT_RATE_PER_ACCOUNT", default="5/hour")
ACCOUNT_RATE_PER_ADDRESS = env.str("ACCOUNT_RATE_PER_ADDRESS", default="30/hour")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ur", _("Urdu"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Karachi"
CELERY_TIMEZONE = TIME_ZONE
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (bulk uploads), shared by the web and worker processes: one volume in compose.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"  # never served: uploads are read by workers and reach users only as reports
# Applicants' supporting documents (CNIC scans and the like): outside MEDIA_ROOT and the static files, reached
# only through the view that checks who asks.
DOCUMENT_ROOT = env.path("DOCUMENT_ROOT", default=BASE_DIR / "private-documents")
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_MB", default=5) * 1_000_000
# Submitting needs every required document of the checklist (evidence.DocumentRequirement).
DOCUMENTS_REQUIRED = env.bool("DOCUMENTS_REQUIRED", default=True)
# The files of a rejected, withdrawn or expired registration are deleted this many days after it closed.
DOCUMENT_RETENTION_DAYS = env.int("DOCUMENT_RETENTION_DAYS", default=180)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Email: EMAIL_URL such as smtp+tls://user:pass@host:587 or consolemail:// (the quick start).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="VPN Registration Portal <no-reply@localhost>")

# SMS: dotted path to a backend of notifications.sms (console, locmem, http).
SMS_BACKEND = env.str("SMS_BACKEND", default="notifications.sms.ConsoleBackend")
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_USERNAME = env.str("SMS_GATEWAY_USERNAME", default="")
SMS_GATEWAY_PASSWORD = env.str("SMS_GATEWAY_PASSWORD", default="")
SMS_SENDER_ID = env.str("SMS_SENDER_ID", default="VPNREG")

# Celery on Redis; with REDIS_URL unset (the quick start), on message files under BROKER_DIR that every local
# process shares, so a real worker and beat run there too with no server to install.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="portal")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
if REDIS_URL:
    # Redis redelivers a message whose worker died unacknowledged after this long; the sweeper usually acts first.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=900)}
else:
    # No redelivery here: a message read by a worker that then dies is gone, and the sweepers publish it again.
    BROKER_DIR = Path(env.str("BROKER_DIR", default=str(BASE_DIR / ".broker")))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "messages"),
        "data_folder_out": str(BROKER_DIR / "messages"),
        "control_folder": str(BROKER_DIR / "control"),
    }
    for folder in ("messages", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-verifications": {
        "task": "vpn_records.tasks.sweep_stuck_verifications",
        "schedule": env.float("VERIFICATION_SWEEP_EVERY", default=60.0),
    },
    "remind-and-expire-approvals": {
        "task": "vpn_records.tasks.remind_and_expire_approvals",
        "schedule": crontab(hour=6, minute=0),  # 06:00 Pakistan time
    },
    "sweep-stuck-bulk-uploads": {
        "task": "bulk_uploads.tasks.sweep_stuck_bulk_uploads",
        "schedule": env.float("BULK_UPLOAD_SWEEP_EVERY", default=30.0),
    },
    "remove-unconfirmed-applicants": {
        "task": "applicants.tasks.remove_unconfirmed_applicants",
        "schedule": crontab(hour=3, minute=30),
    },
    "purge-expired-documents": {
        "task": "evidence.tasks.purge_expired_documents",
        "schedule": crontab(hour=4, minute=0),
    },
    "expire-licences": {
        "task": "licensing.tasks.expire_licences",
        "schedule": crontab(hour=6, minute=15),
    },
    "send-deadline-reminders": {
        "task": "drives.tasks.send_deadline_reminders",
        "schedule": crontab(hour=9, minute=0),  # 09:00 Pakistan time, in working hours
    },
    "sweep-stuck-notifications": {
        "task": "notifications.tasks.sweep_stuck_notifications",
        "schedule": env.float("NOTIFICATION_SWEEP_EVERY", default=60.0),
    },
}
# Codes proving a mobile number: how many may be sent per number, per account and per client address.
MSISDN_CODE_RATE_PER_NUMBER = env.str("MSISDN_CODE_RATE_PER_NUMBER", default="5/hour")
MSISDN_CODE_RATE_PER_ACCOUNT = env.str("MSISDN_CODE_RATE_PER_ACCOUNT", default="10/hour")
MSISDN_CODE_RATE_PER_ADDRESS = env.str("MSISDN_CODE_RATE_PER_ADDRESS", default="20/hour")
# Whose SIM a mobile number is: asked of its operator (vpn_records/sim_ownership.py), or confirmed by staff.
# An approval can be renewed from this many days before it ends; while a renewal submitted in time awaits its
# decision, the entries it renews stay on the whitelist until it is decided or this many days after they end.
RENEWAL_OPENS_DAYS = env.int("RENEWAL_OPENS_DAYS", default=60)
RENEWAL_GRACE_DAYS = env.int("RENEWAL_GRACE_DAYS", default=30)
SIM_OWNERSHIP_BACKEND = env.str("SIM_OWNERSHIP_BACKEND", default="vpn_records.sim_ownership.ManualBackend")
SIM_OWNERSHIP_URL = env.str("SIM_OWNERSHIP_URL", default="")
SIM_OWNERSHIP_TOKEN = env.str("SIM_OWNERSHIP_TOKEN", default="")
SIM_OWNERSHIP_TIMEOUT = env.float("SIM_OWNERSHIP_TIMEOUT", default=5.0)
# Verification asks the operator again this many times (after 10 s, 20 s, 40 s, …) before it goes on without an
# answer, which staff then confirm in review: a slow operator delays a registration, never loses it.
SIM_OWNERSHIP_RETRIES = env.int("SIM_OWNERSHIP_RETRIES", default=4)
SIM_OWNERSHIP_RETRY_DELAY = env.float("SIM_OWNERSHIP_RETRY_DELAY", default=10.0)
# A registration drive reminds applicants with drafts this many days before its deadline ("7,1": a week and a day).
DEADLINE_REMINDER_DAYS = sorted({int(days) for days in env.list("DEADLINE_REMINDER_DAYS", default=["7", "1"])})
# Checks of certificates (the public page and the API together) allowed per client address, as a DRF rate.
CERTIFICATE_VERIFY_RATE = env.str("CERTIFICATE_VERIFY_RATE", default="30/minute")
# Where applicants get help: every page's footer shows them.
SUPPORT_EMAIL = env.str("SUPPORT_EMAIL", default="vpn-help@example.gov.pk")
SUPPORT_PHONE = env.str("SUPPORT_PHONE", default="+92 51 000 0000")
# Applicants that never confirmed an email address are removed after this many days.
UNCONFIRMED_ACCOUNT_DAYS = env.int("UNCONFIRMED_ACCOUNT_DAYS", default=7)
# Notifications: attempts before a message is marked failed; queued ones older than this are published again.
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=8)
NOTIFICATION_REDISPATCH_AFTER = env.int("NOTIFICATION_REDISPATCH_AFTER", default=300)
NOTIFICATION_RETRY_BASE_SECONDS = env.int("NOTIFICATION_RETRY_BASE_SECONDS", default=30)
# Verification waiting this many seconds since it was last published is published again.
VERIFICATION_REDISPATCH_AFTER = env.int("VERIFICATION_REDISPATCH_AFTER", default=300)
# Bulk uploads: limits, rows per committed chunk, and how long a job may show no progress before it is re-published.
BULK_UPLOAD_MAX_BYTES = env.int("BULK_UPLOAD_MAX_MB", default=20) * 1_000_000
BULK_UPLOAD_MAX_ROWS = env.int("BULK_UPLOAD_MAX_ROWS", default=200_000)
BULK_UPLOAD_XLSX_MAX_EXPANDED_BYTES = env.int("BULK_UPLOAD_XLSX_MAX_EXPANDED_MB", default=200) * 1_000_000
# Each workbook part openpyxl holds in memory whole (shared strings, styles); worksheets are streamed.
BULK_UPLOAD_XLSX_MAX_PART_BYTES = env.int("BULK_UPLOAD_XLSX_MAX_PART_MB", default=32) * 1_000_000
BULK_UPLOAD_CHUNK_ROWS = env.int("BULK_UPLOAD_CHUNK_ROWS", default=10_000)
BULK_UPLOAD_REDISPATCH_AFTER = env.int("BULK_UPLOAD_REDISPATCH_AFTER", default=120)
# A job's task stops after the chunk that ends past this many seconds and publishes the rest as a new task: far
# inside CELERY_TASK_SOFT_TIME_LIMIT however slow the database. Registering this many rows or more refreshes the
# entries table's planner statistics.
BULK_UPLOAD_SLICE_SECONDS = env.float("BULK_UPLOAD_SLICE_SECONDS", default=60.0)
BULK_UPLOAD_ANALYZE_ROWS = env.int("BULK_UPLOAD_ANALYZE_ROWS", default=10_000)
CELERY_TASK_ROUTES = {
    "vpn_records.tasks.*": {"queue": f"{CELERY_TASK_DEFAULT_QUEUE}.verification"},
    "bulk_uploads.tasks.*": {"queue": f"{CELERY_TASK_DEFAULT_QUEUE}.verification"},
    "evidence.tasks.*": {"queue": f"{CELERY_TASK_DEFAULT_QUEUE}.verification"},
    "notifications.tasks.*": {"queue": f"{CELERY_TASK_DEFAULT_QUEUE}.notifications"},
}

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "applicants.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "applicants.api_auth.HasTokenScope",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["applicants.api_auth.TokenRateThrottle"],
    # Requests a minute (or /second, /hour, /day), per token; "user" is a browser session, "anon" anyone else.
    "DEFAULT_THROTTLE_RATES": {
        "operator": env.str("API_THROTTLE_OPERATOR", default="3000/minute"),
        "applicant": env.str("API_THROTTLE_APPLICANT", default="120/minute"),
        "staff": env.str("API_THROTTLE_STAFF", default="600/minute"),
        "user": env.str("API_THROTTLE_USER", default="300/minute"),
        "anon": env.str("API_THROTTLE_ANON", default="30/minute"),
    },
    "DEFAULT_PAGINATION_CLASS": "core.paging.ApiPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api_errors.exception_handler",
    # JSON bodies only: nested fields (`entries`) cannot be sent as a form. A view that takes a file says
    # `parser_classes = [MultiPartParser]`, and the schema offers each operation only the media types it reads.
    "DEFAULT_PARSER_CLASSES": ["core.api_parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# The OpenAPI description at /api/schema/, read by Swagger UI (/api/docs/) and Redoc (/api/redoc/).
SPECTACULAR_SETTINGS = {
    "TITLE": "VPN registration portal API",
    "VERSION": "1.0.0",
    "DESCRIPTION": """Register the public addresses of your VPNs, follow their review, and read the approved whitelist.

**Authentication.** Send a token in the `Authorization` header: `Authorization: Token vpr_…` (`Bearer vpr_…` works
too). Applicants get one from `POST /api/v1/auth/token/` with their email and password (the key is shown once;
`expires_at` says until when it works) and revoke it with `DELETE /api/v1/auth/token/`; operators and regulator
staff receive theirs from a supervisor. A browser signed in to the portal is also let in by its session cookie (with
the CSRF token for writes).

**Scopes.** A token reaches only the endpoints of its scope; any other answers 403.
- `applicant`: your registrations, their entries, withdrawing them, bulk uploads (company accounts), revoking the
  token itself.
- `operator`: the whitelist check and exports.
- `staff`: approving and rejecting entries (the reviewer role).

**Errors** are always JSON: `{"detail": "…", "errors": [{"field": "entries[1].network", "code": "…",
"message": "…"}]}`. Past a token's request rate the API answers 429, with `Retry-After` in seconds.""",
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.declare_query_errors",
        "core.openapi.declare_links",
    ],
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "vpn_records.models.Status",
        "UploadStatusEnum": "bulk_uploads.models.UploadState",
        "CertificateStatusEnum": "certificates.models.CertificateStatus",
        "RegistrationKindEnum": "vpn_records.models.Kind",
        "DocumentKindEnum": "evidence.models.DocumentKind",
        "LicenceScopeEnum": "licensing.models.Scope",
        "LicenceDocumentKindEnum": "licensing.models.LicenceDocumentKind",
        "TokenScopeEnum": "applicants.models.TokenScope",
    },
    # Swagger UI and Redoc from our own static files (drf-spectacular-sidecar): no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge fetched from validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}
# Tokens applicants issue themselves (POST /api/v1/auth/token/) expire after this many days.
API_TOKEN_APPLICANT_DAYS = env.int("API_TOKEN_APPLICANT_DAYS", default=90)
# A web process re-reads a token it has verified after this many seconds: how long a revocation takes to reach
# every process (the one that revokes forgets the token at once).
API_TOKEN_CACHE_SECONDS = env.int("API_TOKEN_CACHE_SECONDS", default=10)
# The whitelist feed's `next_since` lags its snapshot by this much, so a change still committing is not missed.
WHITELIST_SINCE_OVERLAP_SECONDS = env.int("WHITELIST_SINCE_OVERLAP_SECONDS", default=300)
# The check endpoint answers from each web process's copy of the whitelist (~30 MB per million IPv4 networks),
# which looks for changes at most this often; off, every check is a database query.
WHITELIST_CHECK_FROM_MEMORY = env.bool("WHITELIST_CHECK_FROM_MEMORY", default=True)
WHITELIST_INDEX_REFRESH_SECONDS = env.float("WHITELIST_INDEX_REFRESH_SECONDS", default=1.0)
# Changed entries a process keeps beside its copy before it loads the whole whitelist again.
WHITELIST_INDEX_OVERLAY_MAX = env.int("WHITELIST_INDEX_OVERLAY_MAX", default=20000)
# Load the copy in a thread while the database answers (0: in the check that needs it; the tests, which see only
# their own transaction).
WHITELIST_INDEX_LOAD_IN_BACKGROUND = env.bool("WHITELIST_INDEX_LOAD_IN_BACKGROUND", default=True)

PHONENUMBER_DEFAULT_REGION = "PK"
PHONENUMBER_DEFAULT_FORMAT = "INTERNATIONAL"

# Policy knobs of the registration rules.
REGISTRATION_MAX_ENTRIES = env.int("REGISTRATION_MAX_ENTRIES", default=1000)
APPROVAL_VALIDITY_DAYS = env.int("APPROVAL_VALIDITY_DAYS", default=365)
# VPN service provider class licences: the reported terms (fee in rupees).
LICENCE_VALIDITY_YEARS = env.int("LICENCE_VALIDITY_YEARS", default=15)
LICENCE_FEE_NATIONWIDE = env.int("LICENCE_FEE_NATIONWIDE", default=300_000)
LICENCE_FEE_PER_PROVINCE = env.int("LICENCE_FEE_PER_PROVINCE", default=100_000)
# The largest network one entry may cover: a /24 for IPv4, a /48 for IPv6.
POLICY_SHORTEST_PREFIX_IPV4 = env.int("POLICY_SHORTEST_PREFIX_IPV4", default=24)
POLICY_SHORTEST_PREFIX_IPV6 = env.int("POLICY_SHORTEST_PREFIX_IPV6", default=48)

# Security: production defaults; `DEBUG=0 manage.py check --deploy` is clean with them.
# Reverse proxies in front of the portal whose X-Forwarded-For and X-Forwarded-Proto we believe; 0: none, the
# socket's address is the client's, and a client's own forwarding headers are ignored.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
# A __Host- cookie is kept by browsers only if Secure, for Path=/ and with no Domain (Django's defaults), so a
# neighbouring subdomain or a plain-HTTP page cannot plant or overwrite it; plain-HTTP runs keep Django's names.
if SESSION_COOKIE_SECURE:
    SESSION_COOKIE_NAME = "__Host-sessionid"
if CSRF_COOKIE_SECURE:
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SESSION_COOKIE_HTTPONLY = True
# Our page for a form sent too late (or without cookies), in the reader's language; JSON under /api/.
CSRF_FAILURE_VIEW = "core.api_errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): scripts, styles, images and fonts only from our own files, nothing inline.
# A page that needs an inline script gives it `request.csp_nonce` and adds csp.constants.NONCE to its script-src;
# core/api_docs.py adds what Swagger UI and Redoc need on their two pages.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "embedded_postgres": {"level": "WARNING"},
    },
}
