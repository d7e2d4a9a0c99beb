"""Settings for the TRD intake screening service.

One module, two modes (see README "Configuration"):

* Embedded (no environment): SQLite in WAL mode, Celery tasks executed in-process
  (``task_always_eager``), local-memory cache, periodic jobs run by ``manage.py run_scheduler``.
* Configured: ``DATABASE_URL`` (PostgreSQL >= 15), ``CELERY_BROKER_URL`` and ``REDIS_URL``
  switch to a Redis broker with separate Celery worker and beat processes, and a Redis cache.

Every value comes from the environment through django-environ; a malformed value stops the
process at start-up with a message naming the variable (never a silent default).
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from intake.identifiers import PATIENT_IDENTIFYING_FIELDS

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)  # optional, never committed

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be development, test or production, not {DJANGO_ENV!r}"
    )
PRODUCTION = DJANGO_ENV == "production"


def _required_in_production(name: str, dev_default: str) -> str:
    """A secret: required (no default) in production, a fixed dev value elsewhere."""
    if PRODUCTION:
        value = env.str(name, default="")
        if len(value) < 32:
            raise ImproperlyConfigured(f"{name} must be set (at least 32 characters) in production")
        return value
    return env.str(name, default=dev_default)


# The development keys committed here are public: fit for the embedded demo on loopback and
# for tests, refused for a configured deployment outside production (end of this module).
DEV_KEYS = {
    "SECRET_KEY": "dev-only-insecure-key-" + "x" * 40,
    "FIELD_ENCRYPTION_SALT": "dev-salt",
    "BLIND_INDEX_KEY": "dev-only-blind-index-key",
}
SECRET_KEY = _required_in_production("SECRET_KEY", DEV_KEYS["SECRET_KEY"])
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
# Salt for the Fernet keys of encrypted PHI fields (django-fernet-encrypted-fields).
SALT_KEY = env.list(
    "FIELD_ENCRYPTION_SALT",
    default=[_required_in_production("FIELD_ENCRYPTION_SALT", DEV_KEYS["FIELD_ENCRYPTION_SALT"])],
)
# Key of the HMAC blind index used for exact-match lookups of encrypted values.
BLIND_INDEX_KEY = _required_in_production("BLIND_INDEX_KEY", DEV_KEYS["BLIND_INDEX_KEY"])

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver", "web"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Links in emails and printed at start: follows PORT (the port `make run` serves on) unless set.
SITE_URL = (
    env.url("SITE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}")
    .geturl()
    .rstrip("/")
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "formtools",
    "auditlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "two_factor",  # staff two-factor login views; required only when PRODUCTION (ops.admin)
    "django_structlog",
    "ops",
    "intake",
    "screening",
    "referrals",
    "interop",
    "followups",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "ops.security.RelaxedCSPForThirdPartyUIMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.csp",
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------------------
# Embedded: SQLite in WAL mode with IMMEDIATE transactions, so one machine can serve real
# concurrent use (readers never block the writer; writers queue instead of failing).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
else:
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (>= 15) or SQLite")
EMBEDDED_DATABASE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
# Matching's covering index (referrals.MatchListing) is a plain index on SQLite, as intended.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache -------------------------------------------------------------------------------
# Seconds for any Redis I/O (cache and broker): a down or hung Redis never hangs a request.
BROKER_TIMEOUT = env.float("BROKER_TIMEOUT", default=2.0)
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": BROKER_TIMEOUT,
                "SOCKET_TIMEOUT": BROKER_TIMEOUT,
                # Redis down or restarting: a cache call is a miss (logged), never a 500. Rate
                # limits fail open for the outage rather than refuse patients' submissions.
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# A user's permissions kept in the shared cache between requests (ops.auth: invalidated on
# every change, this is only the backstop). Off without Redis: a per-process cache would not
# see another process's changes.
PERMISSIONS_CACHE_SECONDS = env.int("PERMISSIONS_CACHE_SECONDS", default=60 if REDIS_URL else 0)

# --- Celery ------------------------------------------------------------------------------
# No broker configured: tasks run in-process right after commit (embedded mode).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Embedded mode has no broker: Celery's own default (amqp://localhost) would log a warning
# about a broker that does not exist whenever anything asks for a connection.
CELERY_BROKER_READ_URL = CELERY_BROKER_WRITE_URL = CELERY_BROKER_URL or "memory://localhost/"
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
CELERY_TASK_EAGER_PROPAGATES = env.bool("CELERY_TASK_EAGER_PROPAGATES", default=False)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True  # results live in our own tables
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True  # a task is acknowledged only after it finished
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # a killed worker's task goes back on the queue
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fix-up closes the database connection around every task unless this is set;
# config/celery.py closes it only when unusable or older than CONN_MAX_AGE instead, as Django
# does between web requests. The fix-up still recycles it every this many tasks.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=120)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT * 3 // 4
# Seconds after which a task taken by a worker that died whole is redelivered (see below).
BROKER_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=300)
BROKER_RESTORE_INTERVAL = 10
if BROKER_VISIBILITY_TIMEOUT <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "CELERY_VISIBILITY_TIMEOUT must exceed CELERY_TASK_TIME_LIMIT "
        f"({CELERY_TASK_TIME_LIMIT} s), or a slow task would be delivered twice"
    )
CELERY_TIMEZONE = "UTC"
# Bounded broker I/O so a down or hung Redis never hangs a web request: connect and socket
# timeouts of BROKER_TIMEOUT seconds, and at most one quick retry when publishing.
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_TIMEOUT
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": BROKER_TIMEOUT,
    "socket_connect_timeout": BROKER_TIMEOUT,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    # A task taken by a worker that then died as a whole (SIGKILL, the machine lost) is
    # redelivered once this many seconds have passed since it was taken (the transport's
    # restore of unacknowledged messages). It must exceed the longest task
    # (CELERY_TASK_TIME_LIMIT), or a slow task would be run twice. A pool process killed
    # alone is handled at once (CELERY_TASK_REJECT_ON_WORKER_LOST); an intake whose task was
    # lost altogether is screened by the sweep (SCREENING_SWEEP_AFTER_SECONDS, checked every
    # SWEEP_INTERVAL_SECONDS): README "When something fails".
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
    # A running worker looks for such tasks every this many seconds (kombu's default scans
    # only every 10th look, 100 s): recovery within CELERY_VISIBILITY_TIMEOUT + 10 s.
    "unacked_restore_interval": BROKER_RESTORE_INTERVAL,
    "unacked_restore_throttle": 1,
    "health_check_interval": 30,
}
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# Static schedule (django-celery-beat's newest release caps Django < 6.1). In embedded mode
# the same schedule is run in-process by `manage.py run_scheduler`.
CELERY_BEAT_SCHEDULE = {
    # Follow-up invitations and reminders (issue 21): each minute, so a STOP reply or an
    # unsubscribe ends sends within a minute; the same pass re-sends lost tasks (followups).
    "follow-up-sends": {
        "task": "followups.tasks.plan_follow_up_sends",
        "schedule": timedelta(seconds=env.int("FOLLOWUP_INTERVAL_SECONDS", default=60)),
    },
    "sweep-unscreened": {
        "task": "screening.tasks.sweep_unscreened",
        "schedule": timedelta(seconds=env.int("SWEEP_INTERVAL_SECONDS", default=60)),
    },
    "escalate-unacknowledged-urgent-cases": {
        "task": "screening.tasks.escalate_unacknowledged",
        "schedule": timedelta(seconds=env.int("SWEEP_INTERVAL_SECONDS", default=60)),
    },
    "heartbeat": {"task": "ops.tasks.record_heartbeat", "schedule": timedelta(seconds=60)},
    "purge-old-heartbeats": {
        "task": "ops.tasks.purge_heartbeats",
        "schedule": crontab(minute=17, hour=3),
    },
    "purge-expired-intake-drafts": {
        "task": "intake.tasks.purge_expired_drafts",
        "schedule": crontab(minute=41, hour=3),
    },
    "purge-rejected-submission-bodies": {
        "task": "screening.tasks.purge_rejected_bodies",
        "schedule": crontab(minute=47, hour=3),
    },
    "flag-overdue-referrals": {
        "task": "referrals.tasks.flag_overdue_referrals",
        "schedule": crontab(minute=5),  # hourly
    },
    "list-providers-to-reconfirm": {
        "task": "referrals.tasks.list_providers_to_reconfirm",
        "schedule": crontab(minute=0, hour=13, day_of_week="mon"),  # weekly
    },
}

# --- Auth, API ---------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "ops.auth.RoleModelBackend",  # ModelBackend: permissions in one query, cached (ops.auth)
]
# Staff two-factor login (django-otp + django-two-factor-auth). In production the admin site
# requires an OTP-verified session and its login goes through two_factor's login wizard; the
# demo (development) keeps two-factor optional: the plain admin login, with optional setup at
# /account/two_factor/. The admin site class is ops.admin.StaffAdminSite (config/urls.py).
TWO_FACTOR_PATCH_ADMIN = False  # we choose per environment instead of patching every site
LOGIN_URL = "two_factor:login" if PRODUCTION else "admin:login"
LOGIN_REDIRECT_URL = "admin:index"

# Reverse proxies in front of gunicorn that append the client's address to X-Forwarded-For
# (a TLS terminator or load balancer: 1). Rate limits (the API's throttles, the wizard's
# per-address limit) and the staff login lockout key on the address that many hops from the end
# of the header; 0 ignores the header, which a client can set to anything (ops/clients.py).
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

REST_FRAMEWORK = {
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # One JSON parser for every body: 415 for another Content-Type, 413 over 256 KiB, 400 for
    # JSON nested too deeply or holding text that is not Unicode (ops/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["ops.parsers.JSONBodyParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/min"),
        "user": env.str("API_THROTTLE_USER", default="1200/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "EXCEPTION_HANDLER": "ops.api.exception_handler",  # database unreachable: 503, not 500
}
SPECTACULAR_SETTINGS = {
    "TITLE": "TRD intake screening API",
    "DESCRIPTION": (
        "Public API v1 for partner systems. Decision support for clinicians: nothing it "
        "returns is a diagnosis. Errors use DRF's shape: an object keyed by field path. "
        "Error messages name the field and the problem but never repeat the value sent (it may "
        "be a patient's details), except a misspelled medication name, with a suggestion. "
        "Bodies are JSON (Content-Type application/json; otherwise 415), at most 256 KiB "
        "(413) and 32 levels deep; an empty query parameter is a 400 naming it. "
        "A rejected intake whose PHQ-9 / C-SSRS answers are valid and show risk still opens an "
        "urgent case: its 400 also holds `safety` (urgent, risk_level, crisis_resources, case). "
        "503 with Retry-After while the database is unreachable: retry with the same "
        "Idempotency-Key."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # The safety object of a 201 and of a rejected (400) submission share one enum.
    "ENUM_NAME_OVERRIDES": {"SafetyRiskLevelEnum": "intake.api.SAFETY_RISK_LEVELS"},
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ops.openapi.add_common_error_responses",
    ],
}

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "ops.clients.client_address"  # NUM_PROXIES, as the rate limits
AXES_RESET_ON_SUCCESS = True
# Anonymous posts to the patient web intake, per client address: "<count>/<n><s|m|h>".
INTAKE_POST_RATE = env.str("INTAKE_POST_RATE", default="60/10m")

# --- Audit trail (django-auditlog) ----------------------------------------------------------
# Changes to these records are logged with their diff; PHI never enters the log: identifying
# fields are fully masked (the row shows that a field changed, never a value), blind indexes
# and free text are excluded or masked, and intakes log only their workflow fields. Views of a
# case or an intake by staff are logged as "access" entries (ops.audit.record_access).
# Review moves and notes write their own audit row in the service's transaction.
AUDITLOG_MASK_CALLABLE = "ops.audit.mask_fully"
AUDITLOG_DISABLE_REMOTE_ADDR = True  # a patient's IP address is an identifier (HIPAA)
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    {
        "model": "intake.patient",
        "mask_fields": list(PATIENT_IDENTIFYING_FIELDS),
        "exclude_fields": [
            "external_id_index",
            "email_index",
            "demographic_index",
            "created_at",
            "updated_at",
        ],
    },
    {
        "model": "intake.intake",
        "include_fields": [
            "patient",
            "status",
            "source",
            "submitted_by",
            "consent_screening",
            "privacy_notice_version",
            "psychotic_features_source",
            "psychotic_features_confirmed_by",
        ],
    },
    {"model": "intake.amendment", "mask_fields": ["reason", "changes"]},
    {
        "model": "screening.case",
        "mask_fields": ["closed_reason"],
        # safety_event: the fixed link to what opened the case (shown on the case page)
        "exclude_fields": ["updated_at", "safety_event"],
    },
    {"model": "screening.casenote", "mask_fields": ["text"]},
    {"model": "followups.followupplan", "exclude_fields": ["phone_index"]},
    {"model": "followups.occurrence"},
    {"model": "followups.sendrecord"},
)

# --- Static files, i18n ------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]  # site-wide CSS and JS of the patient pages
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# One date and time format on every staff page ("4 Dec 2026, 18:05"): ops.dates, applied
# through a format module so it wins over the locale's.
FORMAT_MODULE_PATH = ["config.formats"]

# --- Email (on-call notifications) -------------------------------------------------------
# EMAIL_URL, e.g. smtp+tls://user:password@mail.example.org:587 ; console output by default.
if PRODUCTION and not env.str("EMAIL_URL", default=""):
    raise ImproperlyConfigured("EMAIL_URL must be set in production (urgent cases are emailed)")
# An empty EMAIL_URL (docker-compose.yml passes one through when unset) counts as unset.
_email = env.email_url_config(env.str("EMAIL_URL", default="") or "consolemail://")
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": {
            key: _email[setting]
            for key, setting in {
                "host": "EMAIL_HOST",
                "port": "EMAIL_PORT",
                "username": "EMAIL_HOST_USER",
                "password": "EMAIL_HOST_PASSWORD",
                "use_tls": "EMAIL_USE_TLS",
                "use_ssl": "EMAIL_USE_SSL",
            }.items()
            if _email.get(setting) not in (None, "")
        }
        | ({"timeout": 10} if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend") else {}),
    }
}
# Follow-up invitations (followups): texts through SMS_BACKEND (console by default; Twilio:
# "followups.sms.TwilioBackend" with the three TWILIO_* values); links in messages start with
# FOLLOWUPS_BASE_URL, the public address (also the URL Twilio signs for the STOP webhook).
SMS_BACKEND = env.str("SMS_BACKEND", default="followups.sms.ConsoleBackend")
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
FOLLOWUPS_BASE_URL = env.str("FOLLOWUPS_BASE_URL", default="http://localhost:8000")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="screening@localhost")
ONCALL_EMAILS = env.list("ONCALL_EMAILS", default=[] if PRODUCTION else ["oncall@localhost"])
ESCALATION_EMAILS = env.list(
    "ESCALATION_EMAILS", default=[] if PRODUCTION else ["escalation@localhost"]
)
if PRODUCTION:
    # An urgent case's email must reach a person: no default, no address on this machine.
    for _name, _addresses in (
        ("ONCALL_EMAILS", ONCALL_EMAILS),
        ("ESCALATION_EMAILS", ESCALATION_EMAILS),
    ):
        if not _addresses or any(a.lower().endswith("@localhost") for a in _addresses):
            raise ImproperlyConfigured(
                f"{_name} must be set in production to the addresses that receive urgent cases "
                "(comma-separated; none @localhost)"
            )
URGENT_ACK_MINUTES = env.int("URGENT_ACK_MINUTES", default=15)
# An urgent case still not notified this long after opening (its task was lost with the
# broker) is notified by the escalation job.
URGENT_NOTIFY_GRACE_SECONDS = env.int("URGENT_NOTIFY_GRACE_SECONDS", default=60)
# The periodic sweep screens intakes still unscreened this long after submission.
SCREENING_SWEEP_AFTER_SECONDS = env.int("SCREENING_SWEEP_AFTER_SECONDS", default=120)
# /health/ fails when no worker has confirmed a heartbeat for this long (configured mode):
# beat sends one a minute, and a worker records one as it starts (ops.tasks).
HEALTH_HEARTBEAT_MAX_AGE_SECONDS = env.int("HEALTH_HEARTBEAT_MAX_AGE_SECONDS", default=180)

# --- Security ----------------------------------------------------------------------------
SESSION_ENGINE = "ops.sessions"  # database sessions; an update is one statement (ops.sessions)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # the age is an idle timeout
X_FRAME_OPTIONS = "DENY"
from ops.security import STRICT_CSP  # noqa: E402

SECURE_CSP = STRICT_CSP  # relaxed for the admin and API docs only (ops.security)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024  # the API's documented body limit
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The orchestrator's health probes reach gunicorn directly over plain HTTP: a redirect to
    # https would read as healthy (curl -f accepts a 301) whatever the service's state.
    SECURE_REDIRECT_EXEMPT = [r"^health/"]
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_COOKIE_HTTPONLY = True

# --- Logging -----------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "console")
if LOG_FORMAT not in {"json", "console"}:
    raise ImproperlyConfigured("LOG_FORMAT must be json or console")
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False  # a client address is an identifier
DJANGO_STRUCTLOG_CELERY_ENABLED = True

from ops.logging import configure_logging  # noqa: E402

LOGGING = configure_logging(level=LOG_LEVEL, fmt=LOG_FORMAT)


# --- The committed development keys stay on a developer's machine ---------------------------
# A configured deployment (PostgreSQL, Redis, or gunicorn bound beyond loopback: the
# SERVER_BIND that gunicorn.conf.py exports) is where real patients' data may arrive. Without
# DJANGO_ENV=production it still runs with DEBUG and the development defaults, so at least the
# keys must not be the public ones above: a resume link signed with them can be forged.
# DJANGO_ENV=test (the test suite's private stacks) is an explicit choice and exempt.


def _beyond_loopback(bind: str) -> bool:
    from ops.binding import non_loopback

    return bool(non_loopback(bind))


def _configured_by() -> str | None:
    if not EMBEDDED_DATABASE:
        return "DATABASE_URL is PostgreSQL"
    if CELERY_BROKER_URL:
        return "CELERY_BROKER_URL is set"
    if REDIS_URL:
        return "REDIS_URL is set"
    bind = env.str("SERVER_BIND", default="")
    if bind and _beyond_loopback(bind):
        return f"gunicorn binds {bind}"
    return None


if DJANGO_ENV == "development" and (_configured := _configured_by()):
    for _name, _dev_value in DEV_KEYS.items():
        if env.str(_name, default=_dev_value) == _dev_value:
            raise ImproperlyConfigured(
                f"{_name} is the development key committed in the repository, refused for a "
                f"configured deployment ({_configured}) without DJANGO_ENV=production. Set "
                f"{_name} to a value of your own (python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))') and DJANGO_ENV=production for real use, "
                "or DJANGO_ENV=test for a throwaway local stack."
            )
