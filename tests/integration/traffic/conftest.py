"""Fixtures for the traffic router tests: the fake API server, a client, the router on it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from kubernetes_asyncio.client import ApiClient

from adapters.traffic import KubernetesTrafficRouter
from tests.support.kube import fake_kube, kube_client

__all__ = ["fake_kube", "kube_client", "router"]


@pytest.fixture
async def router(kube_client: ApiClient) -> AsyncIterator[KubernetesTrafficRouter]:
    yield KubernetesTrafficRouter(kube_client, conflict_retries=3)
