from ._base import ComposedConfiguration, ConfigMixin
from ._configuration import (
    DevelopmentBaseConfiguration,
    ProductionBaseConfiguration,
    TestingBaseConfiguration,
)
from ._cors import CorsMixin
from ._rest_framework import RestFrameworkMixin

__all__ = [
    "ComposedConfiguration",
    "ConfigMixin",
    "CorsMixin",
    "DevelopmentBaseConfiguration",
    "ProductionBaseConfiguration",
    "RestFrameworkMixin",
    "TestingBaseConfiguration",
]
