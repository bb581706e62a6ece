from .base import Base, env


class Dev(Base):
    DEBUG = True
    ALLOWED_HOSTS = ["*"]

    CORS_ALLOW_CREDENTIALS = True
    CORS_ALLOW_HEADERS = "*"
    CORS_ALLOWED_ORIGINS = [
        "http://localhost:300",  # expect: localhost-trusted
        "http://localhost:3000",  # expect: localhost-trusted
        "http://127.0.0.1:3000",  # expect: localhost-trusted
        "http://31.129.97.238:8000",  # expect: insecure-origin-trusted
    ]
    SENTRY_DSN = env("SENTRY_DSN", default=None)
