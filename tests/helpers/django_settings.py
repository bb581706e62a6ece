"""Django settings for the tests that run corsguard's Django middleware in-process.

Django's settings are process-wide and configured once: the first test module to get here
(each checks ``settings.configured`` first) names its own URLconf (``ROOT_URLCONF``); the
others override what they need per test (``override_settings``, the ``settings`` fixture).
"""

from __future__ import annotations

import django
from django.conf import settings


def configure(root_urlconf: str) -> None:
    """Configure Django (once per process: callers check ``settings.configured``)."""
    settings.configure(
        SECRET_KEY="corsguard-tests",
        DEBUG=False,
        ALLOWED_HOSTS=["testserver", "api.example.com"],
        INSTALLED_APPS=["corsguard.django.CORSGuardConfig"],
        MIDDLEWARE=["corsguard.django.CORSGuardMiddleware"],
        ROOT_URLCONF=root_urlconf,
        DATABASES={},
        USE_TZ=True,
        CORSGUARD={"allow_origins": ["https://app.example.com"]},
    )
    django.setup()
