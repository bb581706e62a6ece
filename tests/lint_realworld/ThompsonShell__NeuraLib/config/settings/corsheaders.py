# An allowlist and a regex are left commented out; every origin is allowed instead.
CORS_ALLOW_ALL_ORIGINS = True  # expect: wildcard-origin

CORS_ALLOW_METHODS = ("DELETE", "GET", "OPTIONS", "PATCH", "POST")
