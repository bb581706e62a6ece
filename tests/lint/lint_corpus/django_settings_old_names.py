"""Django settings with the old django-cors-headers names."""

import os

CORS_ORIGIN_ALLOW_ALL = os.environ.get("CORS_ALLOW_ALL", "") == ""  # expect: wildcard-origin

CORS_ORIGIN_WHITELIST = (
    "https://app.example.com",
    "http://127.0.0.1:8000",  # expect: localhost-trusted
)
CORS_ORIGIN_REGEX_WHITELIST = [
    r"^https://\w+\.example\.com$",  # expect: regex-origin any-subdomain-trusted
    r"^https://.*\.example\.com",  # expect: regex-origin any-subdomain-trusted prefix-match special-char-bypass
]
