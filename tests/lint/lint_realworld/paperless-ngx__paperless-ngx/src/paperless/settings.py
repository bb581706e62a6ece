import os
from urllib.parse import urlparse


def __get_boolean(key: str, default: str = "NO") -> bool:
    return bool(os.getenv(key, default).lower() in ("yes", "y", "1", "t", "true"))


DEBUG = __get_boolean("PAPERLESS_DEBUG", "NO")

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "corsheaders",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
]

_csrf_origins = os.getenv("PAPERLESS_CSRF_TRUSTED_ORIGINS")
if _csrf_origins:
    CSRF_TRUSTED_ORIGINS = _csrf_origins.split(",")
else:
    CSRF_TRUSTED_ORIGINS = []

CORS_ALLOWED_ORIGINS = tuple(  # expect: localhost-trusted
    os.getenv("PAPERLESS_CORS_ALLOWED_HOSTS", "http://localhost:8000").split(","),
)

if DEBUG:
    CORS_ALLOWED_ORIGINS += ("http://localhost:4200",)

_allowed_hosts = os.getenv("PAPERLESS_ALLOWED_HOSTS")
if _allowed_hosts:
    ALLOWED_HOSTS = _allowed_hosts.split(",")
else:
    ALLOWED_HOSTS = ["*"]

_paperless_url = os.getenv("PAPERLESS_URL")
if _paperless_url:
    _paperless_uri = urlparse(_paperless_url)
    CSRF_TRUSTED_ORIGINS.append(_paperless_url)
    CORS_ALLOWED_ORIGINS += (_paperless_url,)
    if _allowed_hosts:
        ALLOWED_HOSTS.append(_paperless_uri.hostname)
    else:
        ALLOWED_HOSTS = [_paperless_uri.hostname] + ["localhost"]
