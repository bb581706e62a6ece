CORS_ALLOW_ALL_ORIGINS = True  # expect: wildcard-with-credentials
CORS_ALLOW_CREDENTIALS = True
# Both lists are ignored while CORS_ALLOW_ALL_ORIGINS is on.
CORS_ALLOWED_ORIGINS = ["http://localhost:8000"]
CORS_ALLOWED_ORIGIN_REGEXES = ["http://localhost:8000"]
