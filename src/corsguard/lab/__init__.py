"""A lab of real-world CORS mistakes, served on 127.0.0.1: what `corsguard demo` audits.

>>> from corsguard.lab import start_lab
>>> with start_lab() as lab:  # doctest: +SKIP
...     lab.base_url, [(e.path, sorted(e.findings)) for e in lab.endpoints]
"""

from __future__ import annotations

from corsguard.lab.app import (
    CORSGUARD_PATH,
    ENDPOINTS,
    SECRET,
    SESSION_COOKIE,
    SESSION_VALUE,
    TRUSTED_ORIGIN,
    LabEndpoint,
    make_app,
)
from corsguard.lab.server import RunningLab, serve_app, start_lab

__all__ = [
    "CORSGUARD_PATH",
    "ENDPOINTS",
    "SECRET",
    "SESSION_COOKIE",
    "SESSION_VALUE",
    "TRUSTED_ORIGIN",
    "LabEndpoint",
    "RunningLab",
    "make_app",
    "serve_app",
    "start_lab",
]
