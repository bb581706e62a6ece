from ._base import ConfigMixin


class RestFrameworkMixin(ConfigMixin):
    SESSION_COOKIE_SAMESITE = "Lax"
    CORS_ALLOW_CREDENTIALS = False
