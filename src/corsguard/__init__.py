"""corsguard: safe cross-origin resource sharing for Python web apps."""

from __future__ import annotations

__version__ = "0.1.0"
