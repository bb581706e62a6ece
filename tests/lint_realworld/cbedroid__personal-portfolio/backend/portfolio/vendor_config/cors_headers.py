import os

CORS_URLS_REGEX = r"^/api/.*$"
# The default runs when the variable is unset: two local dev servers.
DEFAULT = "http://localhost:8000 http://127.0.0.1:3000"
CORS_ALLOWED_ORIGINS = os.getenv("CORS_ALLOWED_ORIGINS", DEFAULT).split(" ")  # expect: localhost-trusted
