"""A Django settings module: allow all with credentials (reflects every origin)."""

INSTALLED_APPS = ["corsheaders"]
MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware"]

CORS_ALLOW_ALL_ORIGINS = True  # expect: wildcard-with-credentials
CORS_ALLOW_CREDENTIALS = True
