from config.env import env

from .base import *  # noqa: F403

DEBUG = env("DEBUG")

CORS_ALLOW_ALL_ORIGINS = False
CORS_ORIGIN_WHITELIST = env.list("CORS_ORIGIN_WHITELIST", default=[])
