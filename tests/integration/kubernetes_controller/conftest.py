"""Fixtures: a real NATS server, the fake Kubernetes API, and the controller between them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.kubernetes_controller.harness import System
from tests.support.kube import FakeKube, fake_kube, kube_client
from tests.support.nats import ContainerNatsServer, NatsServer, nats_server

__all__ = ["fake_kube", "kube_client", "nats_server", "system"]


@pytest.fixture
async def system(
    fake_kube: FakeKube, nats_server: NatsServer | ContainerNatsServer, tmp_path: Path
) -> AsyncIterator[System]:
    """The system with the controller started (call `stop()`/`start()` to restart it)."""
    found = System(fake_kube, nats_server.url, tmp_path)
    await found.open()
    try:
        await found.start()
        yield found
    finally:
        await found.close()
