import os

from credentials.settings.base import *
from credentials.settings.utils import str2bool

DEBUG = str2bool(os.environ.get("DEBUG", True))

ALLOWED_HOSTS = ["*"]

CORS_ORIGIN_WHITELIST = [
    "http://localhost:1990",  # expect: localhost-trusted
    "http://localhost:18450",  # expect: localhost-trusted
]
CSRF_TRUSTED_ORIGINS = [
    "http://localhost:1990",
]
