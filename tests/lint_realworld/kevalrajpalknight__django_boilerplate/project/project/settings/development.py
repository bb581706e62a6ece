from .common import Common


class Development(Common):
    ALLOWED_HOSTS = ["*"]

    CORS_ORIGIN_ALLOW_ALL = True  # expect: wildcard-origin
    CORS_ALLOW_CREDENTIALS = False
