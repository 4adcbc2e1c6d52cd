"""Django settings of kechuang. Every environment-dependent value comes from :mod:`kechuang.conf`."""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from kechuang import conf

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = conf.value_path("KECHUANG_VAR_DIR")
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    configured = conf.raw("KECHUANG_SECRET_KEY")
    if configured:
        return configured
    # No default secret: each installation draws its own once and keeps it beside its data.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = conf.value_bool("KECHUANG_DEBUG")
ALLOWED_HOSTS = conf.value_list("KECHUANG_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = conf.value_list("KECHUANG_CSRF_TRUSTED_ORIGINS")
SITE_URL = conf.value_str("KECHUANG_SITE_URL")

INSTALLED_APPS = [
    "kechuang.core",
    "kechuang.accounts",
    "kechuang.search",
    "kechuang.ledger",
    "kechuang.notifications",
    "kechuang.review",
    "kechuang.challenges",
    "kechuang.transfer",
    "kechuang.web",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # serves Swagger UI for /api/v1/docs from its own static files instead of a CDN
    "django_htmx",
    "template_partials",
    "rules.apps.AutodiscoverRulesConfig",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kechuang.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "kechuang.core.middleware.ApiProblemMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "kechuang.urls"
WSGI_APPLICATION = "kechuang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kechuang.web.context.navigation",
            ],
        },
    },
]

_database_url = conf.value_str("KECHUANG_DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "kechuang.sqlite3"),
            "OPTIONS": {
                # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN,
                # so two writers queue instead of failing with "database is locked" mid-transaction.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
                "transaction_mode": "IMMEDIATE",
            },
            # Keep the connection per worker: opening SQLite and running the PRAGMAs costs ~1 ms a request.
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
            # A file, not shared-cache memory: threads in tests (live server, ledger sequencer) then
            # wait on WAL locks with the busy timeout instead of failing with "table is locked".
            "TEST": {"NAME": str(VAR_DIR / "test-kechuang.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "kechuang.accounts.backends.UsernameOrEmailBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "kechuang.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"
PAGE_CACHE_SECONDS = conf.value_int("KECHUANG_PAGE_CACHE_SECONDS")
LOGIN_MAX_FAILURES = conf.value_int("KECHUANG_LOGIN_MAX_FAILURES")
LOGIN_LOCKOUT_SECONDS = conf.value_int("KECHUANG_LOGIN_LOCKOUT_SECONDS")

# The transparency log (ledger app): see docs/adr/0006-transparency-log.md.
LEDGER_ORIGIN = conf.value_str("KECHUANG_LEDGER_ORIGIN")
LEDGER_KEY = conf.raw("KECHUANG_LEDGER_KEY")
LEDGER_KEY_FILE = Path(conf.value_str("KECHUANG_LEDGER_KEY_FILE") or VAR_DIR / "ledger" / "log.key")
LEDGER_WITNESSES = conf.value_list("KECHUANG_LEDGER_WITNESSES")
LEDGER_BATCH_SIZE = conf.value_int("KECHUANG_LEDGER_BATCH_SIZE")
LEDGER_CHECKPOINT_SECONDS = conf.value_int("KECHUANG_LEDGER_CHECKPOINT_MS") / 1000
LEDGER_WAIT_SECONDS = conf.value_int("KECHUANG_LEDGER_WAIT_SECONDS")

# Reviewer affinity (search.affinity): an embedding model fused with the lexical scores when set.
EMBEDDING_MODEL = conf.value_str("KECHUANG_EMBEDDING_MODEL")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
SEARCH_INDEX_DIR = VAR_DIR / "search" / "index"
# Uploaded files (deal documents) live under var/, never under the working directory; they are not
# served as static files: each app's view checks who may download them.
MEDIA_ROOT = VAR_DIR / "media"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = conf.value_bool("KECHUANG_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = conf.value_str("KECHUANG_EMAIL_BACKEND")
# Where the file-based backend (the demo's) writes each message, one file per sending.
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_HOST = conf.value_str("KECHUANG_EMAIL_HOST")
EMAIL_PORT = conf.value_int("KECHUANG_EMAIL_PORT")
DEFAULT_FROM_EMAIL = conf.value_str("KECHUANG_DEFAULT_FROM_EMAIL")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

NINJA_PAGINATION_PER_PAGE = 20

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"kechuang": {"handlers": ["console"], "level": conf.value_str("KECHUANG_LOG_LEVEL")}},
}
