"""mlops-gov settings, read from the environment (12-factor).

The embedded default (no variables set) runs on a laptop: SQLite and a filesystem Celery broker under ``var/``.
Set ``MLOPS_GOV_ENV=production`` for a deployment: a secret key and allowed hosts become mandatory and the
secure-cookie / HSTS / HTTPS settings turn on. The README lists every variable.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from mlops_gov.env import (
    AuditCheckpointSettings,
    ProductSettings,
    env_bool,
    env_int,
    env_list,
    env_str,
    secret_from_file_or_env,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("MLOPS_GOV_VAR_DIR", str(BASE_DIR / "var")))

ENVIRONMENT = env_str("MLOPS_GOV_ENV", "test" if "pytest" in sys.modules else "development")
if ENVIRONMENT not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"MLOPS_GOV_ENV must be one of development, test, production; got {ENVIRONMENT!r}.")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DJANGO_DEBUG", default=not PRODUCTION and ENVIRONMENT != "test")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be false when MLOPS_GOV_ENV=production.")

SECRET_KEY = secret_from_file_or_env("SECRET_KEY", None if PRODUCTION else VAR_DIR / "secret_key")
if PRODUCTION and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters with at least 5 distinct characters.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required in production (comma-separated host names).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # the widget templates, for the project's form renderer (TemplatesSetting)
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc as our own static files: the docs work offline
    "django_celery_results",
    "django_celery_beat",
    "axes",
    "mlops_gov",
    "registry",
    "assessments",
    "monitoring",
    "reports",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "mlops_gov.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After the session (it holds the signed-in user's language), before anything that renders text.
    "mlops_gov.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

# The audit table's covering index (sequence) INCLUDE (hash, prev_hash) serves PostgreSQL's link check; SQLite keeps
# the key column only (its verification takes the full path anyway), which is all models.W040 says.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

ROOT_URLCONF = "mlops_gov.urls"
WSGI_APPLICATION = "mlops_gov.wsgi.application"

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
                "mlops_gov.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------------------------
_default_db_url = f"sqlite:///{VAR_DIR / 'mlops_gov.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL", _default_db_url), conn_max_age=60)}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Kept open between requests (60 s, like the other databases): opening one runs the PRAGMAs below and Django's
    # function registrations, and closing the last one checkpoints the WAL: ~2 ms, more than a typical API read.
    # WAL + IMMEDIATE transactions let the web server, the worker and beat share one SQLite file without
    # "database is locked" errors under normal load.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file (not :memory:) so a real worker process can share the test database.
    # One file per test process, so parallel test runs on one machine never share a database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Form fields render with their label, help and errors beside the input (mlops_gov/forms.py).
FORM_RENDERER = "mlops_gov.forms.FormRenderer"

# --- Auth -----------------------------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if ENVIRONMENT == "test":
    # Tests create many users: a fast hasher there (never in development or production).
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
# Login brute force: lock a username+IP pair after 5 failures for 15 minutes (django-axes, atomic in the DB).
AXES_ENABLED = env_bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# A locked-out login answers 429 with a page in the site's layout saying when to try again.
AXES_LOCKOUT_TEMPLATE = "429.html"

# --- I18N / static / media ----------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
# English and Korean (issue #16). Each language is named in itself, so a reader finds theirs whatever is shown.
LANGUAGES = [("en-gb", "English"), ("ko", "한국어")]
# The project's catalogue (templates and the project apps); assessments and reports carry their own locale/.
LOCALE_PATHS = [BASE_DIR / "locale"]
# The switcher's cookie (the language before log-in, and for anyone without a saved choice): a year, never read by
# scripts, sent only over HTTPS in production.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = PRODUCTION
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"  # never served directly: downloads go through permission-checked views

# --- Email --------------------------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "mlops-gov@localhost")

# --- Security (production) -----------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", True) else None
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- REST framework ------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token schemes first: the first class names the WWW-Authenticate challenge, so missing, invalid or expired
    # credentials get a 401 with it (session first made them a 403). A browser's session is still accepted.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "mlops_gov.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # JSON only (with a nesting limit), so the schema promises no form encoding the endpoints cannot express;
    # uploads name their own parsers.
    "DEFAULT_PARSER_CLASSES": ["mlops_gov.api.parsers.JSONParser"],
    # Deny by default: every view must name the permission it needs.
    "DEFAULT_PERMISSION_CLASSES": ["mlops_gov.api.permissions.DenyAll"],
    "DEFAULT_PAGINATION_CLASS": "mlops_gov.api.pagination.OrderedPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "mlops_gov.api.filters.FilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "mlops_gov.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "mlops_gov.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "mlops-gov API",
    "DESCRIPTION": "Governance for production machine-learning models: registry, approvals, audit, maturity, "
    "drift monitoring and reports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # Request bodies get their own components (no read-only fields; what a write accepts, e.g. no null where a
    # value is required), so the schema describes exactly what the API accepts.
    "COMPONENT_SPLIT_REQUEST": True,
    # The docs pages load Swagger UI and ReDoc from our static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "status" or "kind" field with different choices: name each enum after its choices class.
    "ENUM_NAME_OVERRIDES": {
        "PromotionRequestStatusEnum": "registry.choices.RequestStatus",
        "PromotionRequestKindEnum": "registry.choices.RequestKind",
        "JobStatusEnum": "mlops_gov.jobs.JobStatus",
        "StageEnum": "registry.choices.Stage",
        "RiskTierEnum": "registry.choices.RiskTier",
        "DatasetKindEnum": "monitoring.models.DatasetKind",
        "AlertKindEnum": "monitoring.models.AlertKind",
        "DeliveryStatusEnum": "monitoring.models.DeliveryStatus",
        "AssessmentStatusEnum": "assessments.models.AssessmentStatus",
        "ReportKindEnum": "reports.choices.ReportKind",
    },
}

# --- Celery --------------------------------------------------------------------------------------------------------
_broker_dir = VAR_DIR / "broker"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.split("://", 1)[0] not in {"filesystem", "redis", "rediss", "amqp", "amqps", "pyamqp", "memory"}:
    raise ImproperlyConfigured(
        f"CELERY_BROKER_URL has an unsupported scheme: {CELERY_BROKER_URL.split('://', 1)[0]!r} "
        "(use redis://, amqp:// or filesystem://)."
    )
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "control"):
        (_broker_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),
    }
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "django-db")
CELERY_RESULT_EXTENDED = True
CELERY_CACHE_BACKEND = "django-cache"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 25 * 60, minimum=1)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=ENVIRONMENT == "test")
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env_str("CACHE_URL"),
    }
    if env_str("CACHE_URL")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# --- Logging -------------------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every rendering step at INFO; keep its warnings (e.g. refused URLs) only.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# --- Product settings ----------------------------------------------------------------------------------------------
MLOPS_GOV: ProductSettings = {
    "SITE_NAME": "mlops-gov",
    "BASE_URL": env_str("MLOPS_GOV_BASE_URL", "http://127.0.0.1:8000"),
    "UPLOAD_MAX_BYTES": env_int("UPLOAD_MAX_BYTES", 200 * 1024 * 1024, minimum=1),
    "UPLOAD_MAX_ROWS": env_int("UPLOAD_MAX_ROWS", 5_000_000, minimum=1),
    "UPLOAD_MAX_COLUMNS": env_int("UPLOAD_MAX_COLUMNS", 500, minimum=1),
    # Datasets registered by URI: local folders a file:// URI may name (comma-separated; none = file:// off) and
    # the most a worker copies of one object. A Parquet file of plain columns is read a column at a time, never
    # whole, so it may be larger, longer and wider than an upload; other files are read whole within UPLOAD_MAX_*.
    "DATASET_FILE_ROOTS": env_list("DATASET_FILE_ROOTS", []),
    "DATASET_IMPORT_MAX_BYTES": env_int("DATASET_IMPORT_MAX_BYTES", 16 * 1024**3, minimum=1),
    "DATASET_IMPORT_MAX_ROWS": env_int("DATASET_IMPORT_MAX_ROWS", 50_000_000, minimum=1),
    "DATASET_IMPORT_MAX_COLUMNS": env_int("DATASET_IMPORT_MAX_COLUMNS", 5000, minimum=1),
    # A drift check over more feature columns than this is split into chunks of this many columns, each checked by
    # its own Celery task (any worker), and merged when the last one finishes.
    "DRIFT_SHARD_COLUMNS": env_int("DRIFT_SHARD_COLUMNS", 100, minimum=1),
    # Token callers' MLflow reads cache (user, role permissions) this long; see registry/mlflow_api/authentication.py.
    "MLFLOW_AUTH_CACHE_SECONDS": env_int("MLFLOW_AUTH_CACHE_SECONDS", 5, minimum=0),
    "WEBHOOK_ALLOWED_NETWORKS": env_list("WEBHOOK_ALLOWED_NETWORKS", []),
    "SOURCE_URI_SCHEMES": env_list(
        "SOURCE_URI_SCHEMES", ["s3", "gs", "wasbs", "abfss", "https", "models", "runs", "hdfs", "dbfs"]
    ),
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Audit checkpoints (registry.audit.checkpoints) ----------------------------------------------------------------
# The Ed25519 key that signs checkpoints: a PEM file. The embedded default generates one into var/ on first use.
_audit_key_file = env_str("AUDIT_SIGNING_KEY_FILE")
if PRODUCTION and not _audit_key_file:
    raise ImproperlyConfigured(
        "AUDIT_SIGNING_KEY_FILE is required in production (an Ed25519 private key in PEM; "
        "`manage.py audit_checkpoint --generate-key PATH` writes one)."
    )
if PRODUCTION and _audit_key_file and not os.access(_audit_key_file, os.R_OK):
    raise ImproperlyConfigured(f"AUDIT_SIGNING_KEY_FILE points at no readable file: {_audit_key_file}")
AUDIT_SIGNING_KEY_FILE = Path(_audit_key_file) if _audit_key_file else VAR_DIR / "audit_signing_key.pem"
AUDIT_SIGNING_KEY_GENERATE = not _audit_key_file  # only the embedded default's own file is ever generated
AUDIT_CHECKPOINT: AuditCheckpointSettings = {
    # celery beat writes a checkpoint this often when the head has moved
    "INTERVAL_MINUTES": env_int("AUDIT_CHECKPOINT_INTERVAL_MINUTES", 15, minimum=1),
    # sinks: a directory (a write-once volume, an object-lock bucket mount), webhook endpoints by name, e-mail
    # addresses ("auditors" = every active user of the auditor role with an address)
    "DIRECTORY": env_str("AUDIT_CHECKPOINT_DIR", ""),
    "WEBHOOKS": env_list("AUDIT_CHECKPOINT_WEBHOOKS", []),
    "EMAILS": env_list("AUDIT_CHECKPOINT_EMAILS", ["auditors"]),
    "MAX_ATTEMPTS": env_int("AUDIT_CHECKPOINT_PUBLISH_ATTEMPTS", 6, minimum=1),
}

FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
os.environ.setdefault("DO_NOT_TRACK", "1")  # Evidently telemetry off
