"""corsguard's pytest plugin: the ``cors`` fixture, registered through the ``pytest11`` entry point.

::

    def test_front_end(cors):
        cors.assert_allowed(app, "https://api.example.com/items", origin="https://app.example.com")
        cors.assert_blocked(app, "https://api.example.com/items", origin="https://evil.example")

A failed assertion prints the browser's verdict as ``corsguard explain`` does: each check,
the one that failed, and the header or option that fixes it. Disable with ``-p no:corsguard``.
"""

from __future__ import annotations

from typing import Any

import pytest

from corsguard.testing import FetchResult, fetch

__all__ = ["CORSTester", "cors"]


class CORSTester:
    """`corsguard.testing.fetch` with assertions whose failure messages read like explain's."""

    def fetch(self, app: Any, url: str, **options: Any) -> FetchResult:
        return fetch(app, url, **options)

    def assert_allowed(self, app: Any, url: str, **options: Any) -> FetchResult:
        """Fail unless a script on ``origin`` can read the response."""
        result = fetch(app, url, **options)
        if not result.allowed:
            pytest.fail(f"expected the browser to allow the request:\n{result.explain()}", False)
        return result

    def assert_blocked(self, app: Any, url: str, **options: Any) -> FetchResult:
        """Fail if a script on ``origin`` can read the response."""
        result = fetch(app, url, **options)
        if result.allowed:
            pytest.fail(f"expected the browser to block the request:\n{result.explain()}", False)
        return result


@pytest.fixture
def cors() -> CORSTester:
    """Run browser fetches against an ASGI or WSGI app in-process and assert on the verdict."""
    return CORSTester()
