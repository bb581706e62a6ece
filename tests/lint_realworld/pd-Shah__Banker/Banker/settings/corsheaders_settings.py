CORS_ALLOWED_ORIGINS = [
    "http://127.0.0.1:8000",  # expect: localhost-trusted
]

# Old name: ignored by django-cors-headers whenever CORS_ALLOWED_ORIGINS is set.
CORS_ORIGIN_WHITELIST = [
    "http://localhost",
    "http://127.0.0.1",
]

CORS_ALLOW_METHODS = ["GET", "OPTIONS", "POST"]
CORS_ALLOW_HEADERS = [
    "accept",
    "accept-encoding",
    "authorization",
    "content-type",
    "dnt",
    "origin",
    "user-agent",
    "x-csrftoken",
    "x-requested-with",
]
