"""Settings for the Veilig Thuis case system, read from the environment.

With no environment at all this runs on SQLite and the in-memory channel layer with
generated development secrets (the embedded default behind `make run`). Setting
DATABASE_URL and REDIS_URL moves it onto PostgreSQL and Redis. DJANGO_ENV=production
refuses to start while a required setting is missing or still a development value.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from accounts import roles
from config.channel_layers import redis_channel_layer
from config.env import (
    SecretSpec,
    env_bool,
    env_int,
    env_list,
    env_secret,
    env_str,
    parse_database_url,
    read_secrets,
    sqlite_database,
)
from config.security_headers import add_static_file_headers
from observability.error_reporting import start_error_reporting
from observability.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

DJANGO_ENV = env_str(
    "DJANGO_ENV",
    "development",
    help_text="development (default: generated secrets, SQLite unless DATABASE_URL) or production",
)
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be development or production, not {DJANGO_ENV!r}.")
PRODUCTION = DJANGO_ENV == "production"

SECRET_SPECS = [
    SecretSpec(
        "DJANGO_SECRET_KEY",
        "Django's signing key: 50+ random characters, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'",
        "secret",
    ),
    SecretSpec(
        "FIELD_ENCRYPTION_KEYS",
        "Fernet keys for case data at rest, comma-separated, newest first; make one with "
        "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'",
        "key",
    ),
    SecretSpec(
        "BLIND_INDEX_KEY",
        "HMAC key for lookups on encrypted values (phone, BSN, postcode); generate like a "
        "Fernet key and never rotate it without re-indexing",
        "key",
    ),
    SecretSpec(
        "ACCESS_LOG_KEYS",
        "HMAC keys that link the access log's hash chain, as ID:KEY pairs, comma-separated, "
        "newest first (e.g. 2026a:<key>); make a key like a Fernet key; keep old keys listed "
        "as long as rows linked with them are kept",
        "keyring",
    ),
    SecretSpec(
        "CHANNEL_LAYER_ENCRYPTION_KEY",
        "Symmetric key that encrypts every message the channel layer puts in Redis",
        "secret",
    ),
    SecretSpec(
        "TWILIO_AUTH_TOKEN",
        "Twilio auth token: verifies the X-Twilio-Signature of every webhook",
        "secret",
    ),
]
DEV_SECRETS_FILE = Path(
    env_str(
        "DEV_SECRETS_FILE",
        str(BASE_DIR / ".dev-secrets.json"),
        help_text="Where development secrets are generated on first run (never in production)",
    )
)
_secrets = read_secrets(SECRET_SPECS, production=PRODUCTION, dev_secrets_file=DEV_SECRETS_FILE)

SECRET_KEY = _secrets["DJANGO_SECRET_KEY"]
FIELD_ENCRYPTION_KEYS = [key.strip() for key in _secrets["FIELD_ENCRYPTION_KEYS"].split(",")]
BLIND_INDEX_KEY = _secrets["BLIND_INDEX_KEY"]
ACCESS_LOG_KEYS = [key.strip() for key in _secrets["ACCESS_LOG_KEYS"].split(",")]
CHANNEL_LAYER_ENCRYPTION_KEY = _secrets["CHANNEL_LAYER_ENCRYPTION_KEY"]
TWILIO_AUTH_TOKEN = _secrets["TWILIO_AUTH_TOKEN"]

DEBUG = env_bool(
    "DJANGO_DEBUG",
    False,
    help_text="Django debug pages; off by default because they would show case data",
)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off when DJANGO_ENV=production.")

PUBLIC_BASE_URL = env_str(
    "PUBLIC_BASE_URL",
    "http://127.0.0.1:8000",
    help_text="The URL the public and Twilio reach this system on, e.g. https://vt.example.nl "
    "(Twilio signatures are checked against it)",
).rstrip("/")
_public = urlsplit(PUBLIC_BASE_URL)
if _public.scheme not in {"http", "https"} or not _public.hostname:
    raise ImproperlyConfigured(f"PUBLIC_BASE_URL must be an http(s) URL, not {PUBLIC_BASE_URL!r}.")
if PRODUCTION and _public.scheme != "https":
    raise ImproperlyConfigured("PUBLIC_BASE_URL must use https when DJANGO_ENV=production.")

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS",
    "" if PRODUCTION else "127.0.0.1,localhost,testserver",
    help_text="Host names this server answers to, comma-separated",
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is not set. DJANGO_ENV=production needs it.")
CSRF_TRUSTED_ORIGINS = [f"{_public.scheme}://{_public.netloc}"]

TRUSTED_PROXY_COUNT = env_int(
    "TRUSTED_PROXY_COUNT",
    0,
    help_text="How many reverse proxies (TLS terminators) stand in front of Daphne; "
    "0 trusts no X-Forwarded-For/X-Forwarded-Proto header",
)
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_fsm",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "accounts",
    "privacy",
    "events",
    # The task queue; its own migrations (PostgreSQL only: jobs.queue.TaskQueueOnPostgresOnly).
    "procrastinate.contrib.django",
    "jobs",
    "hotline",
    "cases",
    "melden",
    "outgoing_mail",
    "safety_assessment",
    "handover",
    "huisverbod",
    "dashboard",
    "supervision",
    "demo",
    "observability",
]

MIDDLEWARE = [
    # First: every later log line of the request carries its id, and the access line
    # and webhook latency cover the whole request.
    "observability.request_id.RequestIdMiddleware",
    # Outside everything that may touch the database: gives the pooled connection back
    # once the response is made, not once the event loop has sent it
    # (config/database_pool.py).
    "config.database_pool.ReleaseConnectionMiddleware",
    # /metrics, before sessions and the login: it answers a scraper while the database
    # is down, and before SecurityMiddleware: a scraper inside the network uses http.
    "observability.endpoint.MetricsEndpointMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.security_headers.SecurityHeadersMiddleware",
    # Before sessions and auth: Twilio's fallback URL must answer without the database.
    "hotline.middleware.TwilioFallbackMiddleware",
    # A view that waited in vain for a pooled database connection answers 503, not 500.
    "config.database_pool.PoolExhaustedMiddleware",
    # The dashboard's poll for a database or channel-layer outage: also before sessions.
    "dashboard.status.ServerStatusMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.TwoFactorRequiredMiddleware",
    # Turns an undecryptable value into a clear page that names no data.
    "privacy.middleware.DecryptionErrorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes last, as its documentation asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = None
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.navigation.staff_navigation",
            ],
        },
    },
]

# --- database ------------------------------------------------------------------

DATABASE_URL = env_str(
    "DATABASE_URL",
    help_text="postgres://user:password@host:5432/name (a password in it URL-encoded: "
    "%40 for @); empty runs on SQLite (development only)",
)
# The password apart from the URL, as it is: no URL-encoding to get wrong, and it can come
# from a Docker secret (DATABASE_PASSWORD_FILE). It wins over a password in DATABASE_URL.
DATABASE_PASSWORD = env_secret(
    "DATABASE_PASSWORD",
    help_text="The PostgreSQL password, as it is (not URL-encoded); overrides one in DATABASE_URL",
)
# Daphne runs every sync view in a thread of its own, with no cap on the threads: a
# connection per thread (persistent or not) is a connection per request in flight, and
# under a surge PostgreSQL refuses the rest ("too many clients"). So connections come from
# psycopg's pool, at most DATABASE_POOL_MAX_SIZE per process; a request that finds them all
# busy waits for one, and only after DATABASE_POOL_TIMEOUT seconds fails (503, and Twilio
# calls the fallback URL). Persistent connections would hold a pooled connection per thread
# for good, so Django refuses them with a pool: CONN_MAX_AGE stays 0.
DATABASE_POOL_MIN_SIZE = env_int(
    "DATABASE_POOL_MIN_SIZE",
    2,
    help_text="PostgreSQL connections each process keeps open and ready",
)
DATABASE_POOL_MAX_SIZE = env_int(
    "DATABASE_POOL_MAX_SIZE",
    20,
    help_text="Most PostgreSQL connections one process opens, whatever the load",
)
# Twilio gives a webhook 15 s in all, then calls the fallback URL: a webhook still waiting
# for a connection by then has kept the caller in silence for nothing.
MAX_POOL_TIMEOUT_SECONDS = 10
DATABASE_POOL_TIMEOUT = env_int(
    "DATABASE_POOL_TIMEOUT",
    5,
    help_text="Seconds a request waits for a free pooled connection before it fails (503)",
)
if DATABASE_POOL_MAX_SIZE < 1 or not 0 <= DATABASE_POOL_MIN_SIZE <= DATABASE_POOL_MAX_SIZE:
    raise ImproperlyConfigured(
        "DATABASE_POOL_MAX_SIZE must be at least 1 and DATABASE_POOL_MIN_SIZE between 0 and it."
    )
if not 1 <= DATABASE_POOL_TIMEOUT <= MAX_POOL_TIMEOUT_SECONDS:
    raise ImproperlyConfigured(
        f"DATABASE_POOL_TIMEOUT must be 1 to {MAX_POOL_TIMEOUT_SECONDS} seconds, so a webhook "
        "that gets no connection fails while Twilio still waits for it (15 s)."
    )
# Read until issue 18; a deployment that still sets it must hear that it no longer counts.
if os.environ.get("DATABASE_CONN_MAX_AGE", "").strip() not in {"", "0"}:
    raise ImproperlyConfigured(
        "DATABASE_CONN_MAX_AGE is no longer read: connections come from a pool "
        "(DATABASE_POOL_MIN_SIZE, DATABASE_POOL_MAX_SIZE, DATABASE_POOL_TIMEOUT). Remove it."
    )
if DATABASE_URL:
    DATABASES = {"default": parse_database_url(DATABASE_URL)}
    if DATABASE_PASSWORD:
        DATABASES["default"]["PASSWORD"] = DATABASE_PASSWORD
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        # With a pool this checks a connection as it is handed out (psycopg_pool's
        # check_connection), so one broken by a database restart is replaced, not used.
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
        # A webhook must fail fast enough for Twilio to try the fallback URL (15 s in all).
        DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 3)
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": DATABASE_POOL_MIN_SIZE,
            "max_size": DATABASE_POOL_MAX_SIZE,
            "timeout": DATABASE_POOL_TIMEOUT,
        }
elif PRODUCTION:
    raise ImproperlyConfigured("DATABASE_URL is not set. DJANGO_ENV=production needs PostgreSQL.")
else:
    (BASE_DIR / "var").mkdir(exist_ok=True)
    DATABASES = {
        "default": {
            **sqlite_database(BASE_DIR / "var" / "development.sqlite3"),
            # Tests get a file, not memory, so a browser test's server process can open
            # the same database; one per test run, so two runs at once never share one.
            "TEST": {"NAME": BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3"},
        }
    }
if PRODUCTION and DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL when DJANGO_ENV=production.")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASE_ROUTERS = ["jobs.queue.TaskQueueOnPostgresOnly"]

# --- the worker: procrastinate's task queue (jobs/) -------------------------------

# On SQLite the jobs are held in memory for a worker thread inside the server (jobs.queue).
PROCRASTINATE_ON_APP_READY = "jobs.queue.on_app_ready"
WORKER_IN_PROCESS = env_bool(
    "WORKER_IN_PROCESS",
    True,
    help_text="On SQLite only (the embedded default): run the jobs in a thread of the "
    "Daphne process. On PostgreSQL the worker service (manage.py run_jobs --loop) runs them",
)
WORKER_POLL_SECONDS = env_int(
    "WORKER_POLL_SECONDS",
    5,
    help_text="Seconds between the worker's looks for due jobs (new jobs also wake it at once "
    "through PostgreSQL's LISTEN/NOTIFY)",
)
WORKER_CONCURRENCY = env_int(
    "WORKER_CONCURRENCY",
    4,
    help_text="Jobs one worker runs at the same time (each holds one database connection "
    "from the process's pool while it runs)",
)
WORKER_HEARTBEAT_SECONDS = env_int(
    "WORKER_HEARTBEAT_SECONDS", 10, help_text="Seconds between a worker's heartbeats"
)
WORKER_HEARTBEAT_MAX_AGE_SECONDS = env_int(
    "WORKER_HEARTBEAT_MAX_AGE_SECONDS",
    60,
    help_text="A worker whose heartbeat is older is unhealthy (manage.py worker_health), and "
    "its running jobs are retried by another worker",
)
WORKER_SHUTDOWN_SECONDS = env_int(
    "WORKER_SHUTDOWN_SECONDS",
    60,
    help_text="After SIGTERM, how long the worker lets its running job finish (keep "
    "compose's stop_grace_period above it)",
)
WORKER_HEARTBEAT_FILE = env_str(
    "WORKER_HEARTBEAT_FILE",
    str(BASE_DIR / "var" / "worker.heartbeat"),
    help_text="Where a worker notes its id for manage.py worker_health (one file per worker: "
    "set it apart for two workers on one machine)",
)
JOB_RETENTION_DAYS = env_int(
    "JOB_RETENTION_DAYS", 7, help_text="Days finished and failed jobs are kept in the queue"
)
if min(WORKER_POLL_SECONDS, WORKER_HEARTBEAT_SECONDS, JOB_RETENTION_DAYS, WORKER_CONCURRENCY) < 1:
    raise ImproperlyConfigured(
        "WORKER_POLL_SECONDS, WORKER_HEARTBEAT_SECONDS, JOB_RETENTION_DAYS and "
        "WORKER_CONCURRENCY must be at least 1."
    )
if WORKER_HEARTBEAT_MAX_AGE_SECONDS < 2 * WORKER_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        "WORKER_HEARTBEAT_MAX_AGE_SECONDS must be at least twice WORKER_HEARTBEAT_SECONDS."
    )

# --- Redis: channel layer and cache ----------------------------------------------

REDIS_URL = env_str(
    "REDIS_URL",
    help_text="redis://host:6379/0 for the channel layer and cache; empty uses in-memory "
    "versions (development only, one process)",
)
CHANNEL_LAYER_MAX_CONNECTIONS = env_int(
    "CHANNEL_LAYER_MAX_CONNECTIONS",
    1000,
    help_text="Redis connections the channel layer of one process may open at once (past "
    "it a socket's group_add/group_discard fails); at least the dashboards one Daphne "
    "serves, within Redis's maxclients (10000) over all processes",
)
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": redis_channel_layer(
            REDIS_URL, CHANNEL_LAYER_ENCRYPTION_KEY, max_connections=CHANNEL_LAYER_MAX_CONNECTIONS
        )
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "vt-cache",
        }
    }
elif PRODUCTION:
    raise ImproperlyConfigured("REDIS_URL is not set. DJANGO_ENV=production needs Redis.")
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- staff accounts, 2FA and lockout ---------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out username before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Test runs only: tests/conftest.py sets TEST_FAST_PASSWORD_HASHER=1, so the Daphne servers the
# browser tests start can check the MD5 hashes the test process wrote, instead of every test
# user costing a full PBKDF2 run. Not a deployment setting, so read directly rather than
# through config.env (and not listed in .env.example); production refuses it.
if os.environ.get("TEST_FAST_PASSWORD_HASHER", "").strip():
    if PRODUCTION:
        raise ImproperlyConfigured(
            "TEST_FAST_PASSWORD_HASHER is for test runs; unset it when DJANGO_ENV=production."
        )
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
OTP_TOTP_ISSUER = "Veilig Thuis"
# Staff authenticators: django-otp's TOTP device with the key encrypted (privacy/totp.py).
# A setting, like AUTH_USER_MODEL, because accounts may not import privacy.
STAFF_TOTP_DEVICE_MODEL = "privacy.StaffTOTPDevice"

LOGIN_FAILURE_LIMIT = env_int(
    "LOGIN_FAILURE_LIMIT", 5, help_text="Failed logins (password or code) before a lockout"
)
LOGIN_LOCKOUT_MINUTES = env_int(
    "LOGIN_LOCKOUT_MINUTES", 30, help_text="How long a lockout lasts, in minutes"
)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
# Lock the username from that address: locking the username everywhere would let anyone
# lock an operator out of a night shift by guessing wrong on purpose.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# A correct password resets axes' count for that name and address. Wrong *codes* are
# counted per account as well (User.second_factor_failures) and survive password logins:
# only a full login or a supervisor clears them (accounts.services.second_factor_*).
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_ip"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_SENSITIVE_PARAMETERS = ["password", "token"]

SESSION_IDLE_TIMEOUT = timedelta(
    minutes=env_int(
        "SESSION_IDLE_TIMEOUT_MINUTES", 15, help_text="Log staff out after this many idle minutes"
    )
)
SESSION_ABSOLUTE_TIMEOUT = timedelta(
    hours=env_int(
        "SESSION_ABSOLUTE_TIMEOUT_HOURS",
        12,
        help_text="Log staff out this many hours after login, active or not",
    )
)
# An open dashboard socket re-reads its session this often: a logout, the idle limit or a
# lost role closes it within this time. A check the database cannot answer (an outage)
# keeps the socket and tries again next time.
DASHBOARD_SESSION_CHECK_SECONDS = env_int(
    "DASHBOARD_SESSION_CHECK_SECONDS",
    30,
    help_text="Seconds between an open dashboard socket's checks of its session",
)
if DASHBOARD_SESSION_CHECK_SECONDS < 1:
    raise ImproperlyConfigured("DASHBOARD_SESSION_CHECK_SECONDS must be at least 1.")
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- HTTP security ---------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
_ssl_redirect = env_bool(
    "SECURE_SSL_REDIRECT", True, help_text="On https: redirect plain http to https"
)
_hsts_seconds = env_int("SECURE_HSTS_SECONDS", 31536000, help_text="On https: HSTS max-age")
if _public.scheme == "https":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _ssl_redirect
    # Load balancers probe health over plain http.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = _hsts_seconds
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- static files ----------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(
    env_str(
        "STATIC_ROOT",
        str(BASE_DIR / "var" / "static"),
        help_text="Where `manage.py collectstatic` puts the static files (the Docker image: "
        "/app/var/static, collected at build)",
    )
)
STATICFILES_DIRS = [BASE_DIR / "static"]
SERVE_STATIC = env_bool(
    "SERVE_STATIC",
    True,
    help_text="Let Daphne serve /static/ itself (ServeStatic); turn off when the proxy "
    "serves STATIC_ROOT",
)
STATIC_FILES_COLLECTED = env_bool(
    "STATIC_FILES_COLLECTED",
    PRODUCTION,
    help_text="Serve what `manage.py collectstatic` gathered in STATIC_ROOT, under "
    "content-hashed names cached for a year (the Docker image collects at build); off "
    "serves the source folders as they are, with no collectstatic (make run, tests)",
)
if STATIC_FILES_COLLECTED:
    # quick_exit.3f2a….js: a changed file gets a new name, so browsers and proxies may
    # keep each one for good (Cache-Control: immutable), and a deploy never mixes old
    # scripts with new pages. Compressed copies (.gz, .br) are made at collectstatic.
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "servestatic.storage.CompressedManifestStaticFilesStorage"},
    }
    SERVESTATIC_USE_FINDERS = False
    SERVESTATIC_AUTOREFRESH = False
else:
    # Development and tests: straight from the source folders, looked up per request, so
    # an edited script shows at the next reload and nothing needs collecting first.
    SERVESTATIC_USE_FINDERS = True
    SERVESTATIC_AUTOREFRESH = True
    SERVESTATIC_MAX_AGE = 0
# Static files answer before the middleware (no session, no database): they carry the
# security headers of a page all the same.
SERVESTATIC_ADD_HEADERS_FUNCTION = add_static_file_headers
# Our pages are the only ones that load these files: no cross-origin grant.
SERVESTATIC_ALLOW_ALL_ORIGINS = False
if SERVE_STATIC:
    # First: a static file is answered before any middleware that needs the database.
    MIDDLEWARE.insert(0, "config.static_files.StaticFilesMiddleware")

# --- language and time -----------------------------------------------------------

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", "Nederlands"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Amsterdam"
USE_TZ = True
# Dates in the reader's language in the Dutch order, and a 24-hour clock, in English too.
FORMAT_MODULE_PATH = ["config.formats"]

# --- the organisation ------------------------------------------------------------

VT_REGION = env_str(
    "VT_REGION",
    "haaglanden",
    help_text="Code of the Veilig Thuis region this deployment serves",
)

# --- who approves a decision (cases.decision_makers reads these) ---------------------
# Four eyes as the Handelingsprotocol Veilig Thuis has it: a gedragswetenschapper approves
# the decisions of the safety assessment; a medical question goes to the vertrouwensarts.
# In a region with no active member of staff in those roles yet, the teamleider (role
# code "supervisor") approves instead, so that no decision waits for a role nobody holds.
DECISION_APPROVERS = {
    "default": env_list(
        "DECISION_APPROVERS_DEFAULT",
        roles.GEDRAGSWETENSCHAPPER,
        help_text="Roles that approve a decision (comma-separated role codes)",
    ),
    "medical": env_list(
        "DECISION_APPROVERS_MEDICAL",
        roles.VERTROUWENSARTS,
        help_text="Roles that approve a decision on a medical question",
    ),
}
DECISION_APPROVERS_STAND_IN = env_list(
    "DECISION_APPROVERS_STAND_IN",
    roles.TEAMLEIDER,
    help_text="Roles that approve while the region has nobody active in the roles above",
)
for _approvers in (*DECISION_APPROVERS.values(), DECISION_APPROVERS_STAND_IN):
    # A misspelt role would leave decisions to the stand-in for ever, without a word.
    if not _approvers or set(_approvers) - set(roles.ROLES):
        raise ImproperlyConfigured(
            f"DECISION_APPROVERS_*: role codes from {', '.join(roles.ROLES)}, at least one."
        )

# --- retention (privacy.retention; manage.py purge_expired) --------------------------

RETENTION_YEARS_AFTER_CLOSING = env_int(
    "RETENTION_YEARS_AFTER_CLOSING",
    15,
    help_text="Years a closed case file is kept; longer when the youngest child involved "
    "turns 18 later than that",
)
if RETENTION_YEARS_AFTER_CLOSING < 1:
    # 0 would let purge_expired destroy every file the day it closes.
    raise ImproperlyConfigured("RETENTION_YEARS_AFTER_CLOSING must be at least 1.")
OUTBOX_RETENTION_DAYS = env_int(
    "OUTBOX_RETENTION_DAYS",
    7,
    help_text="Days published dashboard events are kept (prune_outbox); a page further "
    "behind gets a fresh snapshot",
)
CALL_NUMBER_RETENTION_DAYS = env_int(
    "CALL_NUMBER_RETENTION_DAYS",
    90,
    help_text="Days a caller's number is kept on the call record after the call ended; "
    "an intake copies what the case needs",
)
if CALL_NUMBER_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("CALL_NUMBER_RETENTION_DAYS must be at least 1.")

# --- the access log (privacy.access_log; verify_access_log, export_access_log_head) -------

ACCESS_LOG_HEAD_EXPORT = env_str(
    "ACCESS_LOG_HEAD_EXPORT",
    "",
    help_text="Where export_access_log_head writes the chain head, outside the database: "
    "an absolute file path (append-only JSON lines) or `syslog`; required in production",
).strip()
if PRODUCTION and not ACCESS_LOG_HEAD_EXPORT:
    raise ImproperlyConfigured(
        "ACCESS_LOG_HEAD_EXPORT is not set. DJANGO_ENV=production needs it: a file path on "
        "storage the database server cannot write, or `syslog` (shipped off the machine)."
    )
STRANGER_REFUSAL_LINES_PER_MINUTE = env_int(
    "STRANGER_REFUSAL_LINES_PER_MINUTE",
    20,
    help_text="Security-log lines per minute per address for refused unauthenticated "
    "requests; after that one summary line, the rest is counted",
)

# --- online reports by professionals (/melden/) and outgoing email ----------------------

ONLINE_REPORT_DRAFT_MINUTES = env_int(
    "ONLINE_REPORT_DRAFT_MINUTES",
    120,
    help_text="Minutes an unfinished online report (encrypted, server-side) is kept",
)
ONLINE_REPORT_SAVED_DRAFT_DAYS = env_int(
    "ONLINE_REPORT_SAVED_DRAFT_DAYS",
    7,
    help_text="Days a draft the professional saved to continue later (with the one-time "
    "code sent to their own email) is kept, encrypted, server-side",
)
if ONLINE_REPORT_SAVED_DRAFT_DAYS < 1:
    raise ImproperlyConfigured("ONLINE_REPORT_SAVED_DRAFT_DAYS must be at least 1.")
ONLINE_REPORT_RESUME_ATTEMPTS_PER_HOUR = env_int(
    "ONLINE_REPORT_RESUME_ATTEMPTS_PER_HOUR",
    20,
    help_text="Tries one address gets per hour to continue a saved draft with its code",
)
ONLINE_REPORT_SUBMISSIONS_PER_HOUR = env_int(
    "ONLINE_REPORT_SUBMISSIONS_PER_HOUR",
    10,
    help_text="Online reports one address may submit per hour",
)
ONLINE_REPORT_POSTS_PER_HOUR = env_int(
    "ONLINE_REPORT_POSTS_PER_HOUR",
    300,
    help_text="Form steps one address may post per hour on /melden/",
)
ONLINE_REPORTS_TEAM = env_str(
    "ONLINE_REPORTS_TEAM",
    help_text="Name of the team whose operators pick up online reports; empty leaves them "
    "to the region's supervisors",
)
EMAIL_HOST = env_str(
    "EMAIL_HOST", help_text="SMTP server for outgoing email; empty: console in development"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587, help_text="SMTP port")
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", help_text="SMTP user name")
EMAIL_HOST_PASSWORD = env_secret(
    "EMAIL_HOST_PASSWORD", help_text="SMTP password (empty: no login)", allow_empty=True
)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True, help_text="SMTP with STARTTLS")
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL",
    "Veilig Thuis <noreply@veiligthuis.example.nl>",
    help_text="Sender of confirmation and feedback email",
)
# A slow mail server must not hold a professional's confirmation page for long; what
# fails stays in the outbox and `send_outgoing_email` retries it.
EMAIL_TIMEOUT = 10
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
elif PRODUCTION:
    # Never print case mail into production logs: keep it queued until SMTP is configured.
    EMAIL_BACKEND = "outgoing_mail.sending.UnconfiguredEmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# --- handover to partners (handover/) ----------------------------------------------------

HANDOVER_ACCEPT_WORKING_DAYS = env_int(
    "HANDOVER_ACCEPT_WORKING_DAYS",
    5,
    help_text="Working days a partner has to accept a handover before it escalates to the "
    "supervisors (manage.py escalate_handovers)",
)
if HANDOVER_ACCEPT_WORKING_DAYS < 1:
    raise ImproperlyConfigured("HANDOVER_ACCEPT_WORKING_DAYS must be at least 1.")
# The Jeugdbeschermingstafel (Den Haag) agrees with Veilig Thuis to discuss a referred
# family within this many weeks; past it the waiting case shows as overdue on the case
# page and the supervisor's page. A regional agreement, not a law: check it against the
# regional protocol. (The 6 months a table may postpone is the protocol's own limit and
# lives in handover.models.TABLE_POSTPONE_MONTHS_MAX.)
CHILD_PROTECTION_TABLE_MEETING_WEEKS = env_int(
    "CHILD_PROTECTION_TABLE_MEETING_WEEKS",
    4,
    help_text="Weeks within which the Jeugdbeschermingstafel meets about a referred family",
)
if CHILD_PROTECTION_TABLE_MEETING_WEEKS < 1:
    raise ImproperlyConfigured("CHILD_PROTECTION_TABLE_MEETING_WEEKS must be at least 1.")

# --- the acute path (cases/acute_clock.py) ----------------------------------------------

ACUTE_FIRST_ACTION_HOURS = env_int(
    "ACUTE_FIRST_ACTION_HOURS",
    1,
    help_text="Hours from the acute alert within which the first safety action (police, "
    "crisis service, huisverbod, ...) must be recorded; an acute case is late after that",
)
if ACUTE_FIRST_ACTION_HOURS < 1:
    raise ImproperlyConfigured("ACUTE_FIRST_ACTION_HOURS must be at least 1.")

# --- supervision (supervision/) ---------------------------------------------------------

SERVICE_LEVEL_SECONDS = env_int(
    "SERVICE_LEVEL_SECONDS",
    20,
    help_text="Service level norm: the share of offered calls answered within this many "
    "seconds (the supervisor's live figures)",
)
if SERVICE_LEVEL_SECONDS < 1:
    raise ImproperlyConfigured("SERVICE_LEVEL_SECONDS must be at least 1.")

# --- telephony: 0800-2000 through Twilio -----------------------------------------------

# Without an account SID every call is simulated: no REST call and no softphone token,
# and the rest of the flow (webhooks, queue, pickup) works the same.
TWILIO_ACCOUNT_SID = env_str(
    "TWILIO_ACCOUNT_SID",
    help_text="Twilio account SID (AC...); empty simulates calls (development, demo)",
)
TWILIO_API_KEY_SID = env_str(
    "TWILIO_API_KEY_SID", help_text="Twilio API key SID (SK...) for REST calls and softphone tokens"
)
TWILIO_API_KEY_SECRET = env_secret(
    "TWILIO_API_KEY_SECRET", help_text="The secret of TWILIO_API_KEY_SID", allow_empty=True
)
TWILIO_TWIML_APP_SID = env_str(
    "TWILIO_TWIML_APP_SID", help_text="TwiML app SID (AP...) the operators' softphone uses"
)
TWILIO_API_BASE_URL = env_str(
    "TWILIO_API_BASE_URL",
    help_text="Send Twilio REST calls here instead of https://api.twilio.com (tests, a local "
    "fake); empty in production",
).rstrip("/")
# A REST call made while an operator waits: better to tell them it failed than to hang.
TWILIO_REST_TIMEOUT_SECONDS = 5.0
# The number a safe callback shows. It ends up in the call log of a phone others may see:
# a number not publicly tied to Veilig Thuis is safer than 0800-2000 itself.
TWILIO_CALLER_ID = env_str(
    "TWILIO_CALLER_ID",
    help_text="E.164 Twilio number safe callbacks are made from; empty: callbacks only simulated "
    "or refused",
)
HOTLINE_BACKUP_NUMBER = env_str(
    "HOTLINE_BACKUP_NUMBER",
    help_text="E.164 number the fallback URL dials when this system cannot answer",
)
HOTLINE_ROLE_PRIORITY = env_list(
    "HOTLINE_ROLE_PRIORITY",
    "child,victim,professional,bystander,perpetrator,unknown",
    help_text="Caller roles from first to last in the queue (after acute calls)",
)
HOTLINE_TOKEN_TTL_SECONDS = env_int(
    "HOTLINE_TOKEN_TTL_SECONDS",
    600,
    help_text="Lifetime of an operator's softphone token, in seconds",
)
# A call whose end Twilio never reported (its last webhooks failed) would wait in the queue
# forever. After this many minutes without an end, the worker asks Twilio's REST API how the
# call stands, and closes it only when Twilio says it is over (hotline.reconcile).
GHOST_CALL_AFTER_MINUTES = env_int(
    "GHOST_CALL_AFTER_MINUTES",
    30,
    help_text="Minutes without a final status after which a call is checked with Twilio",
)
# The softphone (static/js/softphone.js, Twilio's Voice JS SDK) opens its signalling socket
# to wss://voice-js.<edge>.twilio.com/signal; the edge (roaming first, then the one Twilio
# names) is not known in advance. Only the page with the softphone may connect there. Its
# call audio is WebRTC, which the connect-src directive does not govern; the SDK's
# telemetry (eventgw.twilio.com) and its ringtones from sdk.twilio.com are switched off
# or replaced by our own in softphone.js, so neither host is here.
CSP_CONNECT_SRC_BY_VIEW: dict[str, tuple[str, ...]] = {
    "dashboard:dashboard": ("wss://*.twilio.com",),
}

# --- benchmarks (make bench) -------------------------------------------------------

BENCHMARK_MODE = env_bool(
    "BENCHMARK_MODE",
    False,
    help_text="Mount the unauthenticated floors make bench measures against "
    "(/bench/floor/twiml/, /ws/bench-echo/); never in production",
)
if PRODUCTION and BENCHMARK_MODE:
    raise ImproperlyConfigured("BENCHMARK_MODE must be off when DJANGO_ENV=production.")

# --- logging, metrics and error reports (observability/): no personal data, ever -------

LOG_LEVEL = env_str("LOG_LEVEL", "INFO", help_text="DEBUG, INFO, WARNING or ERROR")
LOG_FORMAT = env_str(
    "LOG_FORMAT",
    "json" if PRODUCTION else "plain",
    help_text="json (one object a line, the default in production) or plain (make run)",
).strip()
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or plain, not {LOG_FORMAT!r}.")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)

# Shorter than this is guessable by a scraper trying tokens.
MIN_METRICS_TOKEN_LENGTH = 24
METRICS_TOKEN = env_secret(
    "METRICS_TOKEN",
    help_text="Bearer token Prometheus sends to /metrics; empty: /metrics answers 404",
    allow_empty=True,
).strip()
if METRICS_TOKEN and len(METRICS_TOKEN) < MIN_METRICS_TOKEN_LENGTH:
    raise ImproperlyConfigured(
        f"METRICS_TOKEN must be at least {MIN_METRICS_TOKEN_LENGTH} characters, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
    )
# What /metrics reads from the database at scrape time: one function per owning app.
OBSERVABILITY_DATABASE_READINGS = [
    "hotline.metrics.call_queue_readings",
    "events.metrics.outbox_readings",
    "outgoing_mail.metrics.outgoing_mail_readings",
    "jobs.metrics.job_failure_readings",
]

SENTRY_DSN = env_str(
    "SENTRY_DSN",
    help_text="DSN of a Sentry-compatible server for error reports (scrubbed of personal "
    "data); empty sends none",
).strip()
if SENTRY_DSN:
    start_error_reporting(dsn=SENTRY_DSN, environment=DJANGO_ENV)
