"""Settings, read from the environment (ARCHITECTURE.md §9).

Every variable has a safe default for the embedded SQLite setup; a bad value stops start-up with
a message that says which variable is wrong and what it should look like.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("CHIBO_DATA_DIR", Path.cwd() / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r}: use 1/0, true/false, yes/no or on/off.")


def _env_int(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name) or str(default)
    if not (raw.isascii() and raw.isdigit() and int(raw) >= minimum):
        raise ImproperlyConfigured(f"{name}={raw!r}: use a whole number of at least {minimum}.")
    return int(raw)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        if len(key) < 32:
            raise ImproperlyConfigured("SECRET_KEY is too short: use at least 32 random characters.")
        return key
    stored = DATA_DIR / "secret_key"
    if not stored.exists():
        stored.write_text(secrets.token_urlsafe(50))
        stored.chmod(0o600)
    return stored.read_text().strip()


def _database() -> dict:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'chibo.sqlite3'}"
    scheme = urlparse(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL scheme {scheme!r} is not supported: use sqlite:///path/to/file.sqlite3 "
            "or postgres://user:password@host:5432/name."
        )
    config: dict = dict(dj_database_url.parse(url, conn_max_age=60 if scheme != "sqlite" else 0))
    if _pooler(scheme) == "transaction":
        # PgBouncer in transaction mode hands each transaction to any server connection: a cursor
        # declared in one (Django's server-side cursors) would be gone in the next.
        config["DISABLE_SERVER_SIDE_CURSORS"] = True
    if scheme == "sqlite":
        config["OPTIONS"] = {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA busy_timeout=10000; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
            ),
            "transaction_mode": "IMMEDIATE",
        }
        config["TEST"] = {"NAME": os.environ.get("CHIBO_TEST_SQLITE") or None}
    return config


def _pooler(scheme: str) -> str:
    """``DATABASE_POOLER``: what stands between the service and PostgreSQL (docs/operations.md)."""
    pooler = os.environ.get("DATABASE_POOLER", "").strip().lower() or "none"
    if pooler not in {"none", "session", "transaction"}:
        raise ImproperlyConfigured(
            f"DATABASE_POOLER={pooler!r}: use 'transaction' behind PgBouncer in transaction mode, "
            "'session' or 'none' otherwise."
        )
    if pooler == "transaction" and scheme == "sqlite":
        raise ImproperlyConfigured("DATABASE_POOLER=transaction needs a postgres:// DATABASE_URL.")
    return pooler


def _huey() -> dict:
    """The job queue: Redis when ``REDIS_URL`` is set (several app servers and workers), else a
    SQLite file in the data directory (one machine)."""
    name = os.environ.get("CHIBO_QUEUE_NAME", "").strip() or "chibo"
    redis = os.environ.get("REDIS_URL", "")
    if not redis:
        return {"huey_class": "huey.SqliteHuey", "name": name, "filename": str(DATA_DIR / "jobs.sqlite3"),
                "immediate": _env_bool("CHIBO_JOBS_IMMEDIATE", False)}
    parsed = urlparse(redis)
    if parsed.scheme not in {"redis", "rediss"} or not parsed.hostname:
        raise ImproperlyConfigured(f"REDIS_URL scheme {parsed.scheme!r} or host is not usable: use "
                                   "redis://host:6379/0 (rediss:// for TLS).")
    try:
        import redis as _client  # noqa: F401  (huey's RedisHuey needs it)
    except ImportError as exc:
        raise ImproperlyConfigured("REDIS_URL is set but the 'redis' package is missing: reinstall Chibo "
                                   "(pip install -e .) in this virtual environment.") from exc
    return {"huey_class": "huey.RedisHuey", "name": name, "url": redis, "immediate": False}


def _email() -> dict:
    url = os.environ.get("EMAIL_URL", "")
    if not url:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parsed = urlparse(url)
    if parsed.scheme not in {"smtp", "smtps", "console"}:
        raise ImproperlyConfigured(
            f"EMAIL_URL scheme {parsed.scheme!r} is not supported: use smtp://user:pass@host:587, "
            "smtps://… or console://."
        )
    if parsed.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parsed.hostname or "localhost",
        "EMAIL_PORT": parsed.port or (465 if parsed.scheme == "smtps" else 587),
        "EMAIL_HOST_USER": parsed.username or "",
        "EMAIL_HOST_PASSWORD": parsed.password or "",
        "EMAIL_USE_SSL": parsed.scheme == "smtps",
        "EMAIL_USE_TLS": parsed.scheme == "smtp" and (parsed.port or 587) == 587,
    }


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG", False)
DEMO_MODE = _env_bool("CHIBO_DEMO", False)
_hosts = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
ALLOWED_HOSTS = [h.strip() for h in _hosts.split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "huey.contrib.djhuey",
    "ninja",  # its Swagger UI files, served from here (no CDN)
    "chibo.core",
    "chibo.org",
    "chibo.accounts",
    "chibo.members",
    "chibo.admissions",
    "chibo.notifications",
    "chibo.reports",
    "chibo.targets",
    "chibo.handbook",
    "chibo.library",
    "chibo.meetings",
    "chibo.quality",
    "chibo.dues",
    "chibo.restructuring",  # above the apps that store unit paths
    "chibo.imports",
    "chibo.console",
    "chibo.api",
    "chibo.demo",
]

MIDDLEWARE = [
    # first: the request id, the access line and the latency histogram; then the probes (/healthz,
    # /readyz, /metrics), answered before the session, host, log-in and lockout middleware
    "chibo.core.requestlog.RequestLogMiddleware",
    "chibo.core.health.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "chibo.accounts.middleware.SecurityHeadersMiddleware",
    "chibo.accounts.middleware.StaffTwoFactorMiddleware",
    "axes.middleware.AxesMiddleware",
    "chibo.core.replica.ReadYourWritesMiddleware",
    "chibo.console.middleware.MethodNotAllowedPageMiddleware",
]

ROOT_URLCONF = "chibo.urls"
WSGI_APPLICATION = "chibo.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "chibo.console.context.console",
            ],
        },
    }
]

DATABASES = {"default": _database()}
# --- the read replica and the database router (docs/operations.md "Replica reads") ---


def _replica() -> dict | None:
    """``DATABASE_REPLICA_URL``: a streaming replica of the primary, connected to directly (or
    through a pooler in session mode): ``DATABASE_POOLER`` is the primary's alone."""
    url = os.environ.get("DATABASE_REPLICA_URL", "").strip()
    if not url:
        return None
    scheme = urlparse(url).scheme
    if scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"DATABASE_REPLICA_URL scheme {scheme!r} is not supported: use postgres://user:password@host:5432/name "
            "(a streaming replica of DATABASE_URL's PostgreSQL database), or leave it unset.")
    if "postgresql" not in DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs a postgres:// DATABASE_URL: a replica copies a "
                                   "PostgreSQL primary.")
    config: dict = dict(dj_database_url.parse(url, conn_max_age=60))
    config["OPTIONS"] = {**config.get("OPTIONS", {}), "connect_timeout": 2}
    config["CONN_HEALTH_CHECKS"] = True
    config["TEST"] = {"MIRROR": "default"}
    return config


_replica_db = _replica()
DATABASE_ROUTERS: list[str] = []
if _replica_db:
    DATABASES["replica"] = _replica_db
    DATABASE_ROUTERS = ["chibo.core.replica.ReplicaRouter"]
CHIBO_REPLICA_MAX_LAG_SECONDS = _env_int("CHIBO_REPLICA_MAX_LAG_SECONDS", 10)
CHIBO_READ_YOUR_WRITES_SECONDS = _env_int("CHIBO_READ_YOUR_WRITES_SECONDS", 15)
CHIBO_REPLICA_CHECK_SECONDS = _env_int("CHIBO_REPLICA_CHECK_SECONDS", 5)
if CHIBO_READ_YOUR_WRITES_SECONDS < CHIBO_REPLICA_MAX_LAG_SECONDS:
    raise ImproperlyConfigured(
        f"CHIBO_READ_YOUR_WRITES_SECONDS={CHIBO_READ_YOUR_WRITES_SECONDS} is lower than "
        f"CHIBO_REPLICA_MAX_LAG_SECONDS={CHIBO_REPLICA_MAX_LAG_SECONDS}: a user who has just written would "
        "read from a replica that may not have the write yet. Raise it to at least the lag limit.")
# --- end of the replica section ---
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Log-in lockout (chibo.accounts.lockout, decision 0006): an account after CHIBO_LOGIN_FAILURE_LIMIT
# failures, an address after the higher CHIBO_LOGIN_ADDRESS_FAILURE_LIMIT (many officers share one
# office NAT address); a locked account's owner still logs in with the authenticator's code.
AXES_FAILURE_LIMIT = _env_int("CHIBO_LOGIN_FAILURE_LIMIT", 5)
CHIBO_LOGIN_ADDRESS_FAILURE_LIMIT = _env_int("CHIBO_LOGIN_ADDRESS_FAILURE_LIMIT", 50)
if CHIBO_LOGIN_ADDRESS_FAILURE_LIMIT <= AXES_FAILURE_LIMIT:
    raise ImproperlyConfigured(
        f"CHIBO_LOGIN_ADDRESS_FAILURE_LIMIT={CHIBO_LOGIN_ADDRESS_FAILURE_LIMIT} must be higher than "
        f"CHIBO_LOGIN_FAILURE_LIMIT={AXES_FAILURE_LIMIT}: an office's officers share one address.")
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "chibo.accounts.lockout.LockoutHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "chibo.console.views.auth.locked_out"
# the address counted: the connection's (behind the TLS proxy: the X-Forwarded-For entry it appended)
AXES_IPWARE_META_PRECEDENCE_ORDER: tuple[str, ...] = ("REMOTE_ADDR",)
AXES_IPWARE_PROXY_COUNT = 0  # the last entry of the header, not one the client wrote before it
IPWARE_STRICT = False
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_ENABLED = _env_bool("CHIBO_LOCKOUT", True)

# Two-factor (TOTP) for staff roles: required when CHIBO_REQUIRE_2FA is on (default in production).
REQUIRE_STAFF_2FA = _env_bool("CHIBO_REQUIRE_2FA", not DEMO_MODE and not DEBUG)
OTP_TOTP_ISSUER = "Chibo"

SESSION_COOKIE_AGE = int(os.environ.get("CHIBO_SESSION_SECONDS", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
if _env_bool("CHIBO_BEHIND_TLS_PROXY", False):
    # gunicorn behind nginx/haproxy terminating TLS: trust its X-Forwarded-Proto, secure cookies only
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:home"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["chibo.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"  # filled by collectstatic; whitenoise also serves from the apps
STATIC_ROOT.mkdir(exist_ok=True)
# Uploaded and generated files, through Django's storage API: with several app servers and
# workers, a directory they all mount (NFS, a cluster file system).
MEDIA_ROOT = Path(os.environ.get("CHIBO_MEDIA_DIR") or DATA_DIR / "media").resolve()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

HUEY = _huey()
# --- the job ledger: heartbeats and the sweeper (docs/operations.md "Background jobs") ---
# a worker marks the jobs it runs alive this often; one silent for CHIBO_JOB_DEAD_SECONDS is dead
CHIBO_JOB_HEARTBEAT_SECONDS = _env_int("CHIBO_JOB_HEARTBEAT_SECONDS", 10)
CHIBO_JOB_DEAD_SECONDS = _env_int("CHIBO_JOB_DEAD_SECONDS", 60)
# each worker's sweeper: how often it looks, and when a queued job is sent again (a lost queue)
CHIBO_JOB_SWEEP_SECONDS = _env_int("CHIBO_JOB_SWEEP_SECONDS", 15)
CHIBO_JOB_RESEND_SECONDS = _env_int("CHIBO_JOB_RESEND_SECONDS", 60)
# finished jobs (done) stay in the ledger this many days; failed ones stay until retried
CHIBO_JOB_KEEP_DAYS = _env_int("CHIBO_JOB_KEEP_DAYS", 30)
# more modules of @job functions (comma-separated), imported by the workers besides the apps' tasks
CHIBO_JOB_MODULES = [m.strip() for m in os.environ.get("CHIBO_JOB_MODULES", "").split(",") if m.strip()]
if CHIBO_JOB_DEAD_SECONDS < 2 * CHIBO_JOB_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        f"CHIBO_JOB_DEAD_SECONDS={CHIBO_JOB_DEAD_SECONDS} would declare running jobs dead between two heartbeats: "
        f"use at least twice CHIBO_JOB_HEARTBEAT_SECONDS ({CHIBO_JOB_HEARTBEAT_SECONDS})."
    )
# --- end of the job ledger section ---

# A members file of at least this many rows is checked in a child process while this one writes.
CHIBO_IMPORT_CHILD_ROWS = int(os.environ.get("CHIBO_IMPORT_CHILD_ROWS", "5000"))

globals().update(_email())
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "chibo@localhost")
# the address links in e-mails point to
CHIBO_BASE_URL = os.environ.get("CHIBO_BASE_URL", "http://localhost:8000")

# --- health, metrics and logs (docs/operations.md "Health, metrics and logs") ---
# json: one JSON object per line on stderr, and an access line per request; text: plain lines
CHIBO_LOG_FORMAT = os.environ.get("CHIBO_LOG_FORMAT", "").strip().lower() or "text"
if CHIBO_LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"CHIBO_LOG_FORMAT={CHIBO_LOG_FORMAT!r}: use 'json' or 'text'.")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "").strip().upper() or "WARNING"
# addresses or networks (comma-separated) that may read /metrics
CHIBO_METRICS_ALLOW = [a.strip() for a in os.environ.get("CHIBO_METRICS_ALLOW", "127.0.0.1,::1").split(",")
                       if a.strip()]
try:
    [ipaddress.ip_network(a, strict=False) for a in CHIBO_METRICS_ALLOW]
except ValueError as exc:
    raise ImproperlyConfigured(f"CHIBO_METRICS_ALLOW: {exc}; use addresses or networks such as "
                               "127.0.0.1,::1,10.0.0.0/8.") from None
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusals": {"()": "chibo.core.logs.RefusalsWithoutTraceback"}},
    "formatters": {"json": {"()": "chibo.core.jsonlog.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler",
                             **({"formatter": "json"} if CHIBO_LOG_FORMAT == "json" else {})}},
    "loggers": {"django.request": {"filters": ["refusals"]},
                # the access lines: gunicorn writes its own in text mode
                "chibo.access": {"level": "INFO" if CHIBO_LOG_FORMAT == "json" else LOG_LEVEL}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
# --- end of the health, metrics and logs section ---
