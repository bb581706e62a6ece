from .base import *  # noqa: F403

DEBUG = True
CORS_ALLOW_ALL_ORIGINS = DEBUG
