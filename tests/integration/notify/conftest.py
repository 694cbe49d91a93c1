"""Fixtures: the local receivers and an HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.integration.notify.harness import HMAC_KEY
from tests.integration.notify.receivers import Receivers, receivers
from tests.support.nats import nats_client, nats_server

__all__ = ["nats_client", "nats_server"]


@pytest.fixture
async def api() -> AsyncIterator[Receivers]:
    async with receivers(hmac_secret=HMAC_KEY) as started:
        yield started


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False) as opened:
        yield opened
