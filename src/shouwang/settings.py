"""Settings come from SHOUWANG_* environment variables; the defaults make a working trial.

A trial needs nothing but this package: SQLite under ./var, a generated dev key and
DEBUG off. Production sets SHOUWANG_PRODUCTION=1 and `shouwang check-deploy` refuses
insecure combinations.
"""

import datetime
import os
import tempfile
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent
env = environ.Env()

VAR_DIR = Path(env.str("SHOUWANG_VAR_DIR", default=str(Path.cwd() / "var")))

# The well-known development key: check-deploy refuses it in production mode.
DEV_SECRET_KEY = "shouwang-insecure-dev-key-change-me"
SECRET_KEY = env.str("SHOUWANG_SECRET_KEY", default=DEV_SECRET_KEY)
# Base64 AES-256 key for sensitive care data; the trial default is derived from SECRET_KEY.
ENCRYPTION_KEY = env.str("SHOUWANG_ENCRYPTION_KEY", default="")
PRODUCTION = env.bool("SHOUWANG_PRODUCTION", default=False)
# The timeline's HMAC key, kept outside the database (check-deploy --production requires it).
# Events written before it was set (a trial database put into production) are those up to
# SHOUWANG_AUDIT_LEGACY_SEQ; every later one must carry a keyed link.
AUDIT_KEY = env.str("SHOUWANG_AUDIT_KEY", default="")
AUDIT_LEGACY_SEQ = env.int("SHOUWANG_AUDIT_LEGACY_SEQ", default=0)
# Signed checkpoints of the chain head (audit/checkpoints.py): the Ed25519 private key (PEM file,
# outside the database), where to write them, how often, and optionally whom to mail them to.
AUDIT_SIGNING_KEY_FILE = env.str("SHOUWANG_AUDIT_SIGNING_KEY_FILE", default="")
AUDIT_CHECKPOINT_DIR = env.str("SHOUWANG_AUDIT_CHECKPOINT_DIR", default="")
AUDIT_CHECKPOINT_MINUTES = env.int("SHOUWANG_AUDIT_CHECKPOINT_MINUTES", default=15)
AUDIT_CHECKPOINT_EMAIL = env.list("SHOUWANG_AUDIT_CHECKPOINT_EMAIL", default=[])
AUDIT_CHECKPOINT_WEBHOOK = env.str("SHOUWANG_AUDIT_CHECKPOINT_WEBHOOK", default="")
DEBUG = env.bool("SHOUWANG_DEBUG", default=False)
ALLOWED_HOSTS = env.list("SHOUWANG_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("SHOUWANG_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    # Listed so its docs page uses the bundled Swagger UI from our static files, not a CDN.
    "ninja",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "shouwang.accounts",
    "shouwang.audit",
    "shouwang.org",
    "shouwang.api",
    "shouwang.reports",
    "shouwang.escalation",
    "shouwang.notify",
    "shouwang.plans",
    "shouwang.incidents",
    "shouwang.aftermath",
    "shouwang.documents",
    "shouwang.accountability",
    "shouwang.monitoring",
    "shouwang.leave",
    "shouwang.campaigns",
    "shouwang.talks",
    "shouwang.handovers",
    "shouwang.care",
    "shouwang.studies",
    "shouwang.screening",
    "shouwang.ops",
    "shouwang.demo",
    "shouwang.web",
]

# Single sign-on through the school's CAS server (统一身份认证), see shouwang.accounts.cas.
# django-cas-ng is always installed (its two small tables exist either way); /cas/login/
# answers 404 until SHOUWANG_CAS_ENABLED is on.
CAS_ENABLED = env.bool("SHOUWANG_CAS_ENABLED", default=False)
INSTALLED_APPS.append("django_cas_ng")
# Required when CAS is on; e.g. https://ids.example.edu.cn/cas/
CAS_SERVER_URL = env.str("SHOUWANG_CAS_SERVER_URL", **({} if CAS_ENABLED else {"default": ""}))
CAS_VERSION = "3"
# Only people already registered in Shouwang may log in through CAS: the number in this
# attribute of the CAS answer (or the CAS user name itself, "cas:user") must be an account's
# staff_no (工号, or 学号 for student cadres).
CAS_CREATE_USER = False
CAS_USERNAME_ATTRIBUTE = env.str("SHOUWANG_CAS_NUMBER_ATTRIBUTE", default="cas:user")
CAS_TIMEOUT_SECONDS = env.float("SHOUWANG_CAS_TIMEOUT_SECONDS", default=5)


def _cas_session():  # python-cas calls this for its HTTP session: ours has a timeout
    from shouwang.accounts.cas import timed_session

    return timed_session()


CAS_SESSION_FACTORY = _cas_session
CAS_REDIRECT_URL = "/"
CAS_LOGIN_MSG = None
CAS_LOGGED_MSG = None
CAS_LOGOUT_COMPLETELY = True
CAS_IGNORE_REFERER = True

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shouwang.web.locale.ChineseFirstLocaleMiddleware",
    "shouwang.web.errors.MethodNotAllowedPageMiddleware",  # fills Django's empty 405 answers
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "shouwang.web.session.ActivityRenewsSessionMiddleware",
    # A student's own account reaches only /me/ (and sign-in/out, i18n, static): 404 elsewhere.
    "shouwang.web.student.StudentOnlyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "shouwang.api.middleware.RejectNulInApiMiddleware",
]

ROOT_URLCONF = "shouwang.urls"
WSGI_APPLICATION = "shouwang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shouwang.web.context.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url(
        "SHOUWANG_DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'shouwang.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # IMMEDIATE takes the write lock at BEGIN, so two writers never deadlock on upgrade;
    # WAL lets readers go on while the worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    # Tests use a file too: an in-memory database shared between the browser tests' server
    # threads locks whole tables ("database table is locked") instead of waiting its turn.
    # One file per test run, so two runs on one machine never share it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"shouwang-test-{os.getpid()}.sqlite3")
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Bind parameters on the server and prepare a statement the fifth time a connection runs
    # it: PostgreSQL then no longer parses the same few dozen statements that every request
    # repeats, and the driver no longer quotes every value into the SQL text. Each execution is
    # still planned for its values: a generic plan cannot use the partial indexes the sweeps
    # rely on (state = 'open', 'pending', 'sending') and scanned whole tables.
    # The web server turns this on (wsgi.py): ingest went from 81 to 107 reports/s. The worker
    # leaves it off: its sweeps send a few large statements, and measured slower with it (10,000
    # escalations in 5.5 s instead of 4.0 s). SHOUWANG_DB_PREPARED_STATEMENTS=false turns it off
    # for the web server too, e.g. behind a transaction-pooling PgBouncer older than 1.21.
    if env.bool("SHOUWANG_DB_PREPARED_STATEMENTS", default=False):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True,
            prepare_threshold=5,
            options="-c plan_cache_mode=force_custom_plan",
        )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # 学号 / 工号 as the user name (students sign in with their number).
    "shouwang.accounts.backends.NumberBackend",
]
# Answers only a CAS ticket, and only while CAS_ENABLED is on.
AUTHENTICATION_BACKENDS.append("shouwang.accounts.cas.CASBackend")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lock-out (等保): 5 failures within 5 minutes lock the username+address for 5 minutes.
AXES_FAILURE_LIMIT = env.int("SHOUWANG_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("SHOUWANG_LOGIN_LOCKOUT_MINUTES", default=5) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_VERBOSE = False
# How many reverse proxies of ours stand in front (each appends to X-Forwarded-For); 0 trusts no
# header. Lock-out and the code sign-in limits count the client's address, not the proxy's.
PROXY_COUNT = env.int("SHOUWANG_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "shouwang.accounts.addresses.client_address"
# Code sign-in (a student's first log-in by SMS), per network address and hour, on top of the
# per-account limits (a code a minute, ten a day, five tries each): codes asked for, wrong codes.
CODE_LOGIN_SENDS_PER_HOUR = env.int("SHOUWANG_CODE_LOGIN_SENDS_PER_HOUR", default=60)
CODE_LOGIN_MISSES_PER_HOUR = env.int("SHOUWANG_CODE_LOGIN_MISSES_PER_HOUR", default=30)

# Idle timeout: the cookie's age is renewed by every request a person makes (web/session.py), so
# it expires after N idle minutes; polling (the inbox badge, the live incident board) is not
# activity and does not renew it.
SESSION_COOKIE_AGE = env.int("SHOUWANG_SESSION_IDLE_MINUTES", default=30) * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_PASSIVE_URL_NAMES = frozenset({"inbox_badge", "incident_board_live"})
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
HTTPS = env.bool("SHOUWANG_HTTPS", default=PRODUCTION)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("SHOUWANG_TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the apps' static folders: no collectstatic step for a trial.
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"

# Imports: the largest spreadsheet an office may upload.
IMPORT_MAX_BYTES = env.int("SHOUWANG_IMPORT_MAX_MB", default=30) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Night duty (R-ORG-4): between these local times, and all day on a holiday, the person on
# duty for the report's area is told of a report at once; a policy step that names the duty
# officer asks them at that step (escalation/engine.py).
DUTY_NIGHT_START = datetime.time.fromisoformat(
    env.str("SHOUWANG_DUTY_NIGHT_START", default="22:00")
)
DUTY_NIGHT_END = datetime.time.fromisoformat(env.str("SHOUWANG_DUTY_NIGHT_END", default="07:00"))
# A report's occurrence time may be this far in the future (clock skew of phones), no more.
REPORT_CLOCK_SKEW_MINUTES = 5
ATTACHMENT_MAX_BYTES = env.int("SHOUWANG_ATTACHMENT_MAX_MB", default=20) * 1024 * 1024
# One-tap acknowledgement links in messages expire after this many hours.
ACK_LINK_HOURS = env.int("SHOUWANG_ACK_LINK_HOURS", default=24)
# API clients retrying a POST with the same Idempotency-Key get the first answer for this long.
IDEMPOTENCY_KEEP_HOURS = max(24, env.int("SHOUWANG_IDEMPOTENCY_KEEP_HOURS", default=48))
SITE_URL = env.str("SHOUWANG_SITE_URL", default="http://127.0.0.1:8000")

# Notifications (notify app). Email goes out only when SHOUWANG_EMAIL_HOST is set; SMS only
# when SHOUWANG_SMS_PROVIDER is aliyun or tencent. Deliveries of unconfigured channels are
# cancelled with the reason instead of retried forever.
EMAIL_HOST = env.str("SHOUWANG_EMAIL_HOST", default="")
EMAIL_PORT = env.int("SHOUWANG_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("SHOUWANG_EMAIL_USER", default="")
EMAIL_HOST_PASSWORD = env.str("SHOUWANG_EMAIL_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("SHOUWANG_EMAIL_TLS", default=False)
EMAIL_USE_SSL = env.bool("SHOUWANG_EMAIL_SSL", default=False)
DEFAULT_FROM_EMAIL = env.str("SHOUWANG_EMAIL_FROM", default="shouwang@localhost")
SMS = {
    "PROVIDER": env.str("SHOUWANG_SMS_PROVIDER", default="none"),
    "ACCESS_KEY_ID": env.str("SHOUWANG_SMS_ACCESS_KEY_ID", default=""),
    "ACCESS_KEY_SECRET": env.str("SHOUWANG_SMS_ACCESS_KEY_SECRET", default=""),
    "SIGN_NAME": env.str("SHOUWANG_SMS_SIGN_NAME", default=""),
    "TEMPLATE_CODE": env.str("SHOUWANG_SMS_TEMPLATE", default=""),
    "APP_ID": env.str("SHOUWANG_SMS_APP_ID", default=""),
    "REGION": env.str("SHOUWANG_SMS_REGION", default="ap-guangzhou"),
    "ENDPOINT": env.str("SHOUWANG_SMS_ENDPOINT", default=""),
}
# The SMS provider's inbound (上行) callback: replies to a guardian-verification SMS verify the
# number. Unset: the callback answers 404 and the SMS offers only the link. The provider calls
# /api/v1/talks/sms-inbound?key=<this secret> (the access log records the key as [key]).
SMS_INBOUND_SECRET = env.str("SHOUWANG_SMS_INBOUND_SECRET", default="")
NOTIFY_HTTP_TIMEOUT = env.float("SHOUWANG_NOTIFY_TIMEOUT_SECONDS", default=5)
NOTIFY_MAX_ATTEMPTS = env.int("SHOUWANG_NOTIFY_MAX_ATTEMPTS", default=8)
NOTIFY_RETRY_BASE_SECONDS = 30
NOTIFY_CLAIM_TIMEOUT_SECONDS = env.int("SHOUWANG_DELIVERY_CLAIM_TIMEOUT", default=120)
# Per channel, deliveries per minute (DingTalk and WeCom robots allow 20 a minute). The work
# applications' personal messages are limited per application, not per group: WeCom allows
# 10,000 calls a minute to one API, DingTalk 1,500 a minute to asyncsend_v2 and Feishu 50 a
# second to im/v1/messages; what they refuse beyond that (45009, 90018, 99991400) is retried.
NOTIFY_RATE_PER_MINUTE = {
    "dingtalk": 20,
    "wecom": 20,
    "feishu": 100,
    "sms": env.int("SHOUWANG_SMS_PER_MINUTE", default=100),
    "email": 600,
    "webhook": 6000,
    "wecom_app": env.int("SHOUWANG_WECOM_APP_PER_MINUTE", default=3000),
    "dingtalk_app": env.int("SHOUWANG_DINGTALK_APP_PER_MINUTE", default=1000),
    "feishu_app": env.int("SHOUWANG_FEISHU_APP_PER_MINUTE", default=2400),
}
# The school's default notification rules for people who set none: "channel:minutes after the
# previous", comma-separated, e.g. "wecom_app:0,sms:5". The inbox always comes first. Empty:
# email at once, SMS after 5 minutes.
NOTIFY_DEFAULT_RULES = [
    (channel.strip(), int(wait or 0))
    for channel, _sep, wait in (
        item.partition(":") for item in env.list("SHOUWANG_NOTIFY_DEFAULT_RULES", default=[])
    )
]

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact": {"()": "shouwang.ops.redact.RedactingFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}
    },
    "root": {"handlers": ["console"], "level": env.str("SHOUWANG_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django_tasks_db": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
