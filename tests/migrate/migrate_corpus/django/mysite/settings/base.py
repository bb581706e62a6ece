from pathlib import Path

from corsheaders.defaults import default_headers

BASE_DIR = Path(__file__).resolve().parent.parent.parent

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "corsheaders",
    "shop",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
]

# CORS: the front end and its previews.
CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
CORS_ALLOWED_ORIGIN_REGEXES = [
    r"^https://app-[a-z0-9-]+\.preview\.example\.com$",
]
CORS_ALLOW_CREDENTIALS = True
CORS_ALLOW_HEADERS = (*default_headers, "x-request-id")
CORS_URLS_REGEX = r"^/api/.*$"
