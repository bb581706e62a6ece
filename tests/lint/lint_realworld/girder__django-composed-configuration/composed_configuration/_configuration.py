from configurations import values

from ._base import ComposedConfiguration
from ._cors import CorsMixin
from ._rest_framework import RestFrameworkMixin


class _BaseConfiguration(
    RestFrameworkMixin,
    CorsMixin,
    ComposedConfiguration,
):
    pass


class DevelopmentBaseConfiguration(_BaseConfiguration):
    DEBUG = True

    ALLOWED_HOSTS = values.ListValue(["localhost", "127.0.0.1"])
    CORS_ORIGIN_REGEX_WHITELIST = values.ListValue(  # expect: regex-origin localhost-trusted
        [r"^https?://localhost:\d+$", r"^https?://127\.0\.0\.1:\d+$"]
    )


class TestingBaseConfiguration(_BaseConfiguration):
    ALLOWED_HOSTS: list[str] = []


class ProductionBaseConfiguration(_BaseConfiguration):
    pass
