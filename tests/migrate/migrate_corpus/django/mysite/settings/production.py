import os

from .base import *  # noqa: F403

DEBUG = False
# Partners reach the API from their own sites in production.
CORS_ALLOWED_ORIGINS += ["https://partner.example.org"]  # noqa: F405
CORS_PREFLIGHT_MAX_AGE = 7200
SECRET_KEY = os.environ["SECRET_KEY"]
