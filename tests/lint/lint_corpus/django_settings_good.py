"""A correct django-cors-headers settings module."""

CORS_ALLOWED_ORIGINS = [
    "https://app.example.com",
    "https://admin.example.com",
]
CORS_ALLOWED_ORIGIN_REGEXES = [r"^https://(docs|status)\.example\.com$"]  # expect: regex-origin
CORS_ALLOW_CREDENTIALS = True
