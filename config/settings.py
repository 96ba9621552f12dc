"""Pulang settings, read from the environment (see ``.env.example``)."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.env import EnvError, env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("PULANG_DEBUG", default=False)

_secret = env_str("PULANG_SECRET_KEY", default="")
if not _secret:
    if not DEBUG:
        raise EnvError("PULANG_SECRET_KEY must be set when PULANG_DEBUG is false")
    # Debug only: a fixed, obviously insecure key so local sessions survive restarts.
    _secret = "insecure-development-key-never-use-in-production"  # noqa: S105
SECRET_KEY = _secret

ALLOWED_HOSTS = env_list("PULANG_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("PULANG_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "pulang.reference",
    "pulang.geo",
    "pulang.orgs",
    "pulang.accounts",
    "pulang.audit",
    "pulang.dashboard",
    "pulang.registry",
    "pulang.assessments",
    "pulang.linkage",
    "pulang.operations",
    "pulang.cases",
    "pulang.referrals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "pulang.audit.middleware.AuditOriginMiddleware",
    "pulang.accounts.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "pulang.accounts.middleware.UserPreferencesMiddleware",
    "pulang.orgs.middleware.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pulang.dashboard.context_processors.navigation",
            ],
        },
    },
]

# Database: embedded SQLite unless DATABASE_URL names another (PostgreSQL in production).
_default_sqlite = f"sqlite:///{BASE_DIR / 'var' / 'pulang.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", default=_default_sqlite),
        conn_max_age=env_int("PULANG_DB_CONN_MAX_AGE", 60, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers proceed while one writer commits; IMMEDIATE avoids deadlocks on upgrade.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # Trigram lookups for name search (registry.search); SQLite uses FTS5 instead.
    INSTALLED_APPS.append("django.contrib.postgres")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background work (long imports): Django's Tasks API with the database backend, run by
# `pulang db_worker` beside the web server. A Redis-backed backend serves several hosts.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Bulk imports (docs/imports.md): where uploaded files wait until imported (personal data;
# storage every worker host shares), and the processes that check a large file (0: one per
# CPU, up to four).
PULANG_IMPORT_DIR = env_str("PULANG_IMPORT_DIR", str(BASE_DIR / "var" / "imports"))
if not Path(PULANG_IMPORT_DIR).is_absolute():
    raise EnvError(f"PULANG_IMPORT_DIR={PULANG_IMPORT_DIR!r} must be an absolute path")
PULANG_IMPORT_WORKERS = env_int("PULANG_IMPORT_WORKERS", 0, minimum=0)

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lock-out after repeated failures: per user name *and* address, so one office behind
# a shared address is not locked out by one person's mistakes.
AXES_FAILURE_LIMIT = env_int("PULANG_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("PULANG_LOGIN_COOLOFF_MINUTES", 15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "pulang.accounts.views.locked_out"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
# Proxies in front of Pulang: the client's address is read from X-Forwarded-For (audit
# trail, rate limits of the public pages, sign-in lock-out).
PULANG_PROXY_COUNT = env_int("PULANG_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "pulang.audit.context.client_address"

# Sessions expire: offices share computers.
SESSION_COOKIE_AGE = env_int("PULANG_SESSION_MINUTES", 8 * 60, minimum=5) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

_secure = env_bool("PULANG_SECURE", default=not DEBUG)
SESSION_COOKIE_SECURE = _secure
CSRF_COOKIE_SECURE = _secure
LANGUAGE_COOKIE_SECURE = _secure
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("PULANG_SSL_REDIRECT", default=_secure)
SECURE_HSTS_SECONDS = env_int("PULANG_HSTS_SECONDS", 31536000 if _secure else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _secure
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("PULANG_BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Strict: no inline scripts, no third-party hosts. Static assets are vendored.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("id", _("Bahasa Indonesia")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Unambiguous day-first dates and 24-hour times in English too (config/formats/en).
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
PULANG_DEFAULT_USER_TIME_ZONE = env_str("PULANG_DEFAULT_USER_TIME_ZONE", "Asia/Jakarta")

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production serves hashed, compressed files after `collectstatic`; debug and tests read
# them straight from static/.
_static_manifest = env_bool("PULANG_STATIC_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if _static_manifest
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not _static_manifest

# Logging never carries request bodies or query strings: they may hold personal data.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("PULANG_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING" if not DEBUG else "INFO"},
        "axes": {"level": "WARNING"},
        # The linkage engine narrates every step at INFO; keep the warnings only.
        "splink": {"level": "WARNING"},
    },
}

PULANG_DEMO = env_bool("PULANG_DEMO", default=False)

# Batch record linkage (docs/linkage.md). A pair at or above the automatic threshold that
# also shares a verified document number is merged without review; pairs from the review
# threshold up go to the stewards' queue; below it, nothing. Chosen by measurement on the
# synthetic labelled set (python -m bench.linkage).
PULANG_LINKAGE_AUTO_THRESHOLD = env_float(
    "PULANG_LINKAGE_AUTO_THRESHOLD", 0.999, minimum=0.0, maximum=1.0
)
PULANG_LINKAGE_REVIEW_THRESHOLD = env_float(
    "PULANG_LINKAGE_REVIEW_THRESHOLD", 0.8, minimum=0.0, maximum=1.0
)
if PULANG_LINKAGE_REVIEW_THRESHOLD > PULANG_LINKAGE_AUTO_THRESHOLD:
    raise EnvError("PULANG_LINKAGE_REVIEW_THRESHOLD must not exceed PULANG_LINKAGE_AUTO_THRESHOLD")
# The duplicate check at registration shows a registered person when the trained model
# gives the pair at least this match probability (docs/linkage.md, "At the door").
PULANG_DOOR_THRESHOLD = env_float(
    "PULANG_DOOR_THRESHOLD", PULANG_LINKAGE_REVIEW_THRESHOLD, minimum=0.0, maximum=1.0
)
# Off: every pair goes to the review queue, none is merged without a person deciding.
PULANG_LINKAGE_AUTO_LINK = env_bool("PULANG_LINKAGE_AUTO_LINK", default=True)
# Memory the linkage engine (DuckDB) may use before it spills to disk, and its threads
# (0: one per core).
PULANG_LINKAGE_MEMORY_LIMIT = env_str("PULANG_LINKAGE_MEMORY_LIMIT", "4GB")
PULANG_LINKAGE_THREADS = env_int("PULANG_LINKAGE_THREADS", 0, minimum=0)

# --- Cases (docs/cases.md) -------------------------------------------------------------
# Follow-up contacts scheduled for every case, in months after the return.
_months = env_list("PULANG_FOLLOW_UP_MONTHS", ["1", "3", "6", "12"])
if not all(m.isdigit() and 1 <= int(m) <= 60 for m in _months) or len(set(_months)) != len(_months):
    raise EnvError("PULANG_FOLLOW_UP_MONTHS must list distinct whole months between 1 and 60")
PULANG_FOLLOW_UP_MONTHS = sorted(int(m) for m in _months)
# A supervisor approves each reintegration plan before it counts as agreed.
PULANG_PLAN_APPROVAL = env_bool("PULANG_PLAN_APPROVAL", default=False)
# Keys encrypting restricted case notes, newest first (Fernet keys: generate one with
# `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`);
# unset, one is derived from the secret key. Keep older keys listed until nothing uses them.
PULANG_ENCRYPTION_KEYS = env_list("PULANG_ENCRYPTION_KEYS", [])
for _key in PULANG_ENCRYPTION_KEYS:
    try:
        _valid = len(base64.urlsafe_b64decode(_key.encode())) == 32
    except (binascii.Error, ValueError):
        _valid = False
    if not _valid:
        raise EnvError("PULANG_ENCRYPTION_KEYS must list Fernet keys (32 bytes, URL-safe base64)")

# --- Referrals (docs/referrals.md) --------------------------------------------------------
# Days a referral may wait for the provider's answer, and days the provider may keep it
# without recording the outcome, before the provider and the case worker are reminded.
PULANG_REFERRAL_ANSWER_DAYS = env_int("PULANG_REFERRAL_ANSWER_DAYS", 5, minimum=1)
PULANG_REFERRAL_OUTCOME_DAYS = env_int("PULANG_REFERRAL_OUTCOME_DAYS", 30, minimum=1)
