"""A private nats-server for one benchmark section: the pinned binary, in a temporary dir."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import nats
from nats.aio.client import Client
from nats.js.client import JetStreamContext

from adapters.runtime.embedded import EmbeddedNats
from events.jetstream import ensure_streams

PUBLISH_WINDOW = 4000
"""nats-py's own default for `publish_async`: acks outstanding before a publisher waits."""


@dataclass(frozen=True)
class BenchServer:
    url: str
    data_dir: Path
    nc: Client
    js: JetStreamContext

    @property
    def version(self) -> str:
        version = self.nc.connected_server_version
        return f"{version.major}.{version.minor}.{version.patch}"


async def _quiet(error: Exception) -> None:
    """Reconnect chatter would only interleave with the progress lines."""


@contextlib.asynccontextmanager
async def bench_server() -> AsyncIterator[BenchServer]:
    """A fresh server with the project's streams, and one client connection to it."""
    with tempfile.TemporaryDirectory(prefix="rollouts-bench-") as tmp:
        data_dir = Path(tmp)
        embedded = EmbeddedNats(data_dir)
        url = await embedded.start()
        try:
            nc = await nats.connect(url, error_cb=_quiet, connect_timeout=5)
            try:
                js = nc.jetstream(publish_async_max_pending=PUBLISH_WINDOW)
                await ensure_streams(js)
                yield BenchServer(url, data_dir, nc, js)
            finally:
                await nc.close()
        finally:
            await embedded.stop()
