from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from servers import launch_chromium


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
