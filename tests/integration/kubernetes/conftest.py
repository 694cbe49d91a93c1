"""Fixtures for the Kubernetes tests: the fake API server, a generated client, raw HTTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.support.kube import FakeKube, fake_kube, kube_client

__all__ = ["Raw", "fake_kube", "kube_client"]


class Raw:
    """Plain HTTP to the fake, for what the generated client hides (codes, headers, lines)."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        content_type: str = "application/json",
        **params: str,
    ) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body)
        headers = {"Content-Type": content_type}
        async with self.session.request(
            method, self.url + path, data=data, headers=headers, params=params
        ) as response:
            return response.status, await response.json(content_type=None)

    limit = 5.0
    """Seconds a `watch` may take before the test fails with TimeoutError."""

    async def watch(self, path: str, **params: str) -> list[dict[str, Any]]:
        """Every event line until the server ends the stream."""
        events = []
        async with (
            asyncio.timeout(self.limit),
            self.session.get(self.url + path, params={"watch": "true", **params}) as response,
        ):
            assert response.status == 200, await response.text()
            while line := await response.content.readline():
                events.append(json.loads(line))
        return events


@pytest.fixture
async def raw(fake_kube: FakeKube) -> AsyncIterator[Raw]:
    async with aiohttp.ClientSession() as session:
        yield Raw(session, fake_kube.url)
