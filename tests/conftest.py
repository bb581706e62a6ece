from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from servers import launch_chromium  # noqa: E402


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One real headless Chromium per test session (per xdist worker)."""
    with launch_chromium() as browser:
        yield browser
