"""Fixtures for the analysis integration tests: a whole system per test, and (for the tests
that need it) the session's real Prometheus scraping a traffic app the test controls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.analysis.harness import AnalysisSystem
from tests.support.prometheus import prometheus, traffic_app

__all__ = ["prometheus", "traffic_app"]


@pytest.fixture
async def system(tmp_path: Path) -> AsyncIterator[AnalysisSystem]:
    started = AnalysisSystem(tmp_path / "data")
    try:
        await started.start()
        yield started
    finally:
        await started.stop()
