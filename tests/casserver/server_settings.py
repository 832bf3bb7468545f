"""Settings of the django-cas-server test process (a real CAS 3.0 server, run apart from
Shouwang: its own database under tmp, its own port, its own cookie names since cookies do not
tell ports apart). CAS_TEST_DB and CAS_TEST_USERS come from the harness."""

import os

SECRET_KEY = "cas-test-server-key-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "cas_server",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "server_urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ]
        },
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["CAS_TEST_DB"]}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
LANGUAGE_CODE = "zh-hans"
STATIC_URL = "/static/"
SESSION_COOKIE_NAME = "cas_server_session"
CSRF_COOKIE_NAME = "cas_server_csrf"
LANGUAGE_COOKIE_NAME = "cas_server_lang"

CAS_AUTH_CLASS = "server_auth.DirectoryUser"
# Nothing may reach the internet: no version check, no CDN.
CAS_NEW_VERSION_HTML_WARNING = False
CAS_NEW_VERSION_EMAIL_WARNING = False
CAS_COMPONENT_URLS = {
    k: "/static/none"
    for k in (
        "bootstrap3_css",
        "bootstrap3_js",
        "html5shiv",
        "respond",
        "bootstrap4_css",
        "bootstrap4_js",
        "jquery",
    )
}
CAS_SHOW_POWERED = False
CAS_TICKET_VALIDITY = 60
CAS_REDIRECT_TO_LOGIN_AFTER_LOGOUT = False
