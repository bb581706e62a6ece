from backend.settings.base import *  # noqa: F403

DEBUG = True

X_FRAME_OPTIONS = "http://localhost:3000"
X_FRAME_OPTIONS = "ALLOW-FROM http://localhost:3000"

try:
    CORS_ALLOWED_ORIGINS  # noqa: F405
except NameError:
    CORS_ALLOWED_ORIGINS = []
CORS_ALLOWED_ORIGINS = CORS_ALLOWED_ORIGINS + [
    "http://localhost:3000",  # expect: localhost-trusted
    "http://127.0.0.1:3000",  # expect: localhost-trusted
    "http://frontend.unstract.localhost",  # expect: localhost-trusted
]
