from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers.servers import launch_chromium

# The one place tests are marked by what they need, from their module's name:
# test_*_chromium.py drives real headless Chromium; test_*_servers.py starts real servers
# or tools (uvicorn, gunicorn, waitress, nginx, node, the lab) as subprocesses or threads.
# `./scripts/test -m "not browser and not servers"` runs the fast rest alone.
MARKS_BY_SUFFIX = {"_chromium.py": "browser", "_servers.py": "servers"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for suffix, mark in MARKS_BY_SUFFIX.items():
            if item.path.name.endswith(suffix):
                item.add_marker(mark)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One real headless Chromium per test module.

    Module scope, not session: Playwright's sync API keeps an asyncio loop running in the
    main thread while it is open, so asyncio.run() in any later test would fail. The test
    script runs with --dist loadfile, so a module's tests stay together in one worker.
    """
    with launch_chromium() as browser:
        yield browser


@pytest.fixture(autouse=True)
def _fresh_refusal_log_budget() -> None:
    # The refusal log's rate limit is process-wide: each test starts with a full budget.
    from corsguard import refusal_log

    refusal_log.limiter.reset()
