"""The fault-test system shared by the runtime tests: a real nats-server in the test's
directory and the effect workers in-process (`harness.System`). A module that needs another
`server` or `system` defines its own, which takes precedence."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.runtime.harness import System
from tests.support.nats import NatsServer, disk_server  # noqa: F401


@pytest.fixture
async def system(server: NatsServer, tmp_path: Path) -> AsyncIterator[System]:
    running = System(server.url, tmp_path / "data")
    await running.start()
    yield running
    await running.stop()
