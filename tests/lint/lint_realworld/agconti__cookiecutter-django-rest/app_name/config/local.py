from .common import Common


class Local(Common):
    DEBUG = True

    INSTALLED_APPS = Common.INSTALLED_APPS
    INSTALLED_APPS += ("django_nose",)

    CORS_ORIGIN_ALLOW_ALL = True  # expect: wildcard-origin
