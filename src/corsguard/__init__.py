"""corsguard: safe cross-origin resource sharing for Python web apps.

The model (`Policy`, `decide`, `Decision`) is pure; `corsguard.asgi.CORSMiddleware` and
`corsguard.wsgi.CORSMiddleware` enforce it.
"""

from __future__ import annotations

from corsguard.engine import Decision, RequestKind, decide
from corsguard.origin import Origin, OriginPattern, parse_origin, parse_origin_pattern
from corsguard.policy import Policy, PolicyError, PolicyFinding

__version__ = "0.1.0"

__all__ = [
    "Decision",
    "Origin",
    "OriginPattern",
    "Policy",
    "PolicyError",
    "PolicyFinding",
    "RequestKind",
    "__version__",
    "decide",
    "parse_origin",
    "parse_origin_pattern",
]
