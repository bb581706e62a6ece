from core.constants.environments import Environments
from core.environment import ENVIRONMENT

CORS_ALLOWED_ORIGINS = [
    "http://localhost",  # expect: localhost-trusted
    "http://127.0.0.1",  # expect: localhost-trusted
    "http://modularhistory.dev.net",  # expect: insecure-origin-trusted
    "http://localhost:3000",  # expect: localhost-trusted
    "http://127.0.0.1:3000",  # expect: localhost-trusted
    "http://react:3000",  # expect: insecure-origin-trusted
    "http://localhost:8000",  # expect: localhost-trusted
    "http://127.0.0.1:8000",  # expect: localhost-trusted
    "http://django:8000",  # expect: insecure-origin-trusted
]

CORS_ALLOW_ALL_ORIGINS = ENVIRONMENT == Environments.DEV  # expect: wildcard-with-credentials
CORS_ALLOW_CREDENTIALS = CORS_ALLOW_ALL_ORIGINS
CSRF_TRUSTED_ORIGINS = [
    "127.0.0.1",
    "localhost",
    "modularhistory.dev.net",
    "django",
    "react",
]
