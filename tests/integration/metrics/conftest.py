"""Fixtures for the metric provider tests: a real Prometheus, fake vendor APIs, an HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from tests.integration.metrics.fakes import FakeApi, fake_api
from tests.support.prometheus import prometheus, traffic_app

__all__ = ["prometheus", "traffic_app"]


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False) as opened:
        yield opened


@pytest.fixture
async def api() -> AsyncIterator[FakeApi]:
    async with fake_api() as started:
        yield started


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC)
