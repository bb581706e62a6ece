CORS_ALLOWED_ORIGINS = [
    "http://localhost:3000",  # expect: localhost-trusted
    "http://38.180.251.18",  # expect: insecure-origin-trusted
]

CORS_ALLOW_HEADERS = [
    "content-type",
    "authorization",
    "x-requested-with",
    "accept",
    "origin",
    "user-agent",
    "x-csrftoken",
]
