"""Settings for mitid-portal: every value read from the environment, here and nowhere else.

MITID_ENV selects the mode: ``development`` (default; secrets generated into var/), ``test`` (set by
mitid_portal.test_settings) or ``production`` (every secret must come from the environment, HTTPS
everywhere; ``manage.py check --deploy`` is clean). Malformed values stop the start with an error.
"""

from pathlib import Path

import environ
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from mitid_portal.devsecrets import ensure_dev_secrets, ensure_dev_signing_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def env_bool(name: str, *, default: bool) -> bool:
    """A boolean that refuses anything but the usual spellings (django-environ guesses False)."""
    raw = env.str(name, default=str(default)).strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


ENVIRONMENT = env.str("MITID_ENV", default="development")
if ENVIRONMENT not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        f"MITID_ENV must be development, test or production, not {ENVIRONMENT!r}"
    )
PRODUCTION = ENVIRONMENT == "production"

if not PRODUCTION:
    # Values already in the environment win over the generated file.
    env.read_env(ensure_dev_secrets(VAR_DIR / "dev-secrets.env"), overwrite=False)

SECRET_KEY = env.str("SECRET_KEY")
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
DEBUG = env_bool("DEBUG", default=ENVIRONMENT == "development")
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# CPR numbers are encrypted at rest (Fernet; the first key encrypts, all keys decrypt, so a new key
# is put first and the old ones kept until `manage.py rotate_cpr_keys` has re-encrypted every row)
# and found through an HMAC-SHA256 with PII_HASH_KEY, which also hashes activation secrets.
CPR_ENCRYPTION_KEYS = env.list("CPR_ENCRYPTION_KEYS")
PII_HASH_KEY = env.str("PII_HASH_KEY")
if not CPR_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("CPR_ENCRYPTION_KEYS must hold at least one Fernet key")
for _key in CPR_ENCRYPTION_KEYS:
    try:
        Fernet(_key.encode())
    except ValueError as _exc:
        raise ImproperlyConfigured(
            "CPR_ENCRYPTION_KEYS: each key must be a Fernet key (32 url-safe base64-encoded bytes)"
        ) from _exc
if len(PII_HASH_KEY) < 32:
    raise ImproperlyConfigured("PII_HASH_KEY must be at least 32 characters")

# The login broker signs ID tokens with this RSA key (PEM; in production from the environment,
# on a laptop generated once into var/). Its public half is published as the broker's JWKS.
OIDC_RSA_PRIVATE_KEY = env.str("OIDC_RSA_PRIVATE_KEY", multiline=True, default="")
if not OIDC_RSA_PRIVATE_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("OIDC_RSA_PRIVATE_KEY must hold the broker's RSA key (PEM)")
    OIDC_RSA_PRIVATE_KEY = ensure_dev_signing_key(VAR_DIR / "oidc-signing-key.pem")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # intcomma: counts as "20.000" in Danish, "20,000" in English
    "django_tasks",
    "django_tasks_db",
    "mitid_portal",
    "simulators.registers",
    "simulators.mitid",
    "simulators.mailbox",
    "simulators.sms",
    "simulators.nemid",
    "simulators.publicservices",
    "organisations",
    "users",
    "activation",
    "oauth2_provider",
    "broker",
    "idm",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "mitid_portal.middleware.ContentSecurityPolicyMiddleware",
    "mitid_portal.middleware.RejectNulCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "mitid_portal.sandbox_middleware.SandboxMiddleware",
    "mitid_portal.locale.DanishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "activation.employee.middleware.EndBlockedSessionsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "mitid_portal.middleware.NoStoreMiddleware",
]

if PRODUCTION:
    # whitenoise serves the collected static files; in development runserver does.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "mitid_portal.urls"
WSGI_APPLICATION = "mitid_portal.wsgi.application"

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
                "mitid_portal.context_processors.portal",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the task worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "login:start"

# --- The login broker for public services (OpenID Connect) and the IdM API's OAuth clients -------
# django-oauth-toolkit with its tables swapped for sandboxed ones (broker.models).
# ruff: noqa: S105 (model names, not passwords)
OAUTH2_PROVIDER_APPLICATION_MODEL = "broker.Client"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "broker.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "broker.RefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "broker.IDToken"
OAUTH2_PROVIDER_GRANT_MODEL = "broker.Grant"
OAUTH2_PROVIDER_DEVICE_GRANT_MODEL = "broker.DeviceGrant"
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OAUTH2_VALIDATOR_CLASS": "broker.validators.BrokerValidator",
    "OIDC_RSA_PRIVATE_KEY": OIDC_RSA_PRIVATE_KEY,
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "PKCE_REQUIRED": True,
    # The OAuth 2.0 Security BCP (RFC 9700), all of it: no implicit or password grant, PKCE with
    # S256 only, bearer tokens only in the header, `iss` in the authorization response, tokens
    # stored as SHA-256 checksums, refresh-token replay detection, exact redirect URIs, https
    # redirects where the portal itself is on https (a laptop's demo services live on
    # http://127.0.0.1; set below from PORTAL_BASE_URL).
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 600,
    # A service's refresh token lasts a working day, not for ever.
    "REFRESH_TOKEN_EXPIRE_SECONDS": 8 * 3600,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "SCOPES": {
        "openid": "OpenID Connect",
        "profile": "Navn",
        "email": "E-mail",
        "scim": "Brugere og grupper (IdM, SCIM)",
    },
    "DEFAULT_SCOPES": ["openid"],
}
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mitid",
        }
    }
else:
    # The database cache is shared by every process on the same database, so rate limits hold
    # across web processes even without Redis.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "mitid_cache",
        }
    }
SESSION_ENGINE = "users.sessions"  # database sessions that know their user (suspend ends them)
SESSION_COOKIE_AGE = 60 * 60 * 8

# --- Background tasks (django-tasks) ----------------------------------------------------------
TASK_BACKEND = env.str("TASK_BACKEND", default="rq" if REDIS_URL else "database")
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if TASK_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASK_BACKEND must be one of {sorted(_TASK_BACKENDS)}")
if TASK_BACKEND == "rq" and not REDIS_URL:
    raise ImproperlyConfigured("TASK_BACKEND=rq needs REDIS_URL")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASK_BACKEND], "QUEUES": ["default"]}}
if TASK_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}

# --- Email --------------------------------------------------------------------------------------
# No EMAIL_URL: every message lands in the simulated mailbox (/simulator/mailbox/).
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url_config(EMAIL_URL))
else:
    EMAIL_BACKEND = "simulators.mailbox.backend.MailboxBackend"
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="MitID Erhverv <noreply@mitid-erhverv.test>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
# A portal served over https accepts only https redirect URIs at its login broker; production on
# plain http is warned about by `check --deploy` (oauth2_provider.W008).
OAUTH2_PROVIDER["ALLOWED_REDIRECT_URI_SCHEMES"] = (
    ["https"] if PORTAL_BASE_URL.startswith("https://") else ["http", "https"]
)
# Where the simulated world's demo public services (simulators.publicservices) reach the login
# broker, over real HTTP (discovery, token, JWKS, end-session). Empty: this portal's own broker,
# PORTAL_BASE_URL + "/broker", read when called (so a test that moves PORTAL_BASE_URL moves it).
BROKER_URL = env.str("BROKER_URL", default="")

# --- Language, time -----------------------------------------------------------------------------
LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Dansk")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our date formats per language (mitid_portal/formats/<lang>/formats.py): "31 December 2026" in
# English; Danish keeps Django's "31. december 2026".
FORMAT_MODULE_PATH = ["mitid_portal.formats"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

# --- Static files: our own, plus the DKFDS, htmx and axe-core builds from node_modules ----------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("dkfds", NODE_MODULES / "dkfds" / "dist"),
    ("htmx", NODE_MODULES / "htmx.org" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))

# --- Security -------------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Login rate limits (mitid_portal.ratelimit, shared cache): attempts per window in seconds, per
# address and per invitation, for the activation link's MitID login returns and code tries.
LOGIN_RATE_LIMIT = env.int("LOGIN_RATE_LIMIT", default=10)
LOGIN_RATE_WINDOW = env.int("LOGIN_RATE_WINDOW", default=300)
# The client's address for rate limits, the Revisionslog and the login history
# (mitid_portal.clientip): 0 = REMOTE_ADDR, X-Forwarded-For ignored; N = behind N proxies of the
# host's own, each appending to X-Forwarded-For (1: its right-most entry is the client).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more")

# --- Logging: never personal data; records go to stderr --------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- The outside world: which implementation of each interface in mitid_portal.outside ---------
OUTSIDE_WORLD = {
    "mitid": env.str("MITID_BROKER", default="simulators.mitid.broker.SimulatedMitIDBroker"),
    "cpr": env.str("CPR_REGISTER", default="simulators.registers.api.SimulatedCprRegister"),
    "cvr": env.str("CVR_REGISTER", default="simulators.registers.api.SimulatedCvrRegister"),
    "sms": env.str("SMS_GATEWAY", default="simulators.sms.gateway.SimulatedSmsGateway"),
    "devices": env.str(
        "DEVICE_REGISTRY", default="simulators.mitid.registry.SimulatedDeviceRegistry"
    ),
    "nemid": env.str("NEMID_SOURCE", default="simulators.nemid.source.SimulatedNemIDSource"),
}

# --- Øvelser (training sandboxes), see mitid_portal.sandbox -----------------------------------
# Off (a laptop): every request runs in the default sandbox. On (hosted): each visitor starts an
# exercise of their own, a fresh copy of the demo world, that lives SANDBOX_LIFETIME_DAYS.
SANDBOXES = env_bool("SANDBOXES", default=False)
SANDBOX_LIFETIME_DAYS = env.int("SANDBOX_LIFETIME_DAYS", default=30)
# At most this many unexpired exercises on the server at once (each is a copy of the demo world).
SANDBOX_MAX_LIVE = env.int("SANDBOX_MAX_LIVE", default=5000)
SANDBOX_COOKIE_NAME = "mitid_oevelse"
# The Django admin of the portal operators, at a path of the host's choosing.
OPERATOR_PATH = env.str("OPERATOR_PATH", default="operatoer/").strip("/") + "/"
