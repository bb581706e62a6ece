CORS_ORIGIN_WHITELIST = ["http://localhost:3000"]  # expect: localhost-trusted

CORS_ALLOW_METHODS = ["GET", "OPTIONS"]

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
