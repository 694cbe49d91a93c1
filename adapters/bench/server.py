"""A private nats-server for one benchmark section: the pinned binary, in a temporary dir.

Two connections to it: `nc`/`js` made the way the runtime connects (`adapters.runtime.connect`,
so ours runs on the client class `serve` runs on), and `raw_nc`/`raw_js`, plain nats-py, for
the raw baselines.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import nats
from nats.aio.client import Client
from nats.js.client import JetStreamContext

from adapters.runtime.connect import connect
from adapters.runtime.embedded import EmbeddedNats
from adapters.runtime.settings import NatsSettings, Settings
from events import nats_client

PUBLISH_WINDOW = 4000
"""nats-py's own default for `publish_async`: acks outstanding before a publisher waits."""


@dataclass(frozen=True)
class BenchServer:
    url: str
    data_dir: Path
    nc: Client
    js: JetStreamContext
    raw_nc: Client
    raw_js: JetStreamContext

    @property
    def runtime_client(self) -> str:
        return type(self.nc).__name__

    @property
    def version(self) -> str:
        version = self.nc.connected_server_version
        return f"{version.major}.{version.minor}.{version.patch}"


async def _quiet(error: Exception) -> None:
    """Reconnect chatter would only interleave with the progress lines."""


@contextlib.asynccontextmanager
async def bench_server() -> AsyncIterator[BenchServer]:
    """A fresh server with the project's streams, and the two connections to it."""
    with tempfile.TemporaryDirectory(prefix="rollouts-bench-") as tmp:
        data_dir = Path(tmp)
        embedded = EmbeddedNats(data_dir, authorization=False)  # the bare server is measured
        url = await embedded.start()
        try:
            settings = Settings(nats=NatsSettings(url=url), data_dir=data_dir)
            runtime = await connect(settings)
            try:
                raw_nc = await nats.connect(url, error_cb=_quiet, connect_timeout=5)
                try:
                    raw_js = raw_nc.jetstream(publish_async_max_pending=PUBLISH_WINDOW)
                    yield BenchServer(url, data_dir, runtime.nc, runtime.js, raw_nc, raw_js)
                finally:
                    await raw_nc.close()
            finally:
                await runtime.close()
        finally:
            await embedded.stop()


@contextlib.asynccontextmanager
async def other_client(server: BenchServer) -> AsyncIterator[Client]:
    """A connection of the client class the runtime does not use (plain nats-py, or
    `events.nats_client.FastHeaderClient`): what ours would do with the other one."""
    if isinstance(server.nc, nats_client.FastHeaderClient):
        yield server.raw_nc
        return
    other = await nats_client.connect(server.url, error_cb=_quiet, connect_timeout=5)
    try:
        yield other
    finally:
        await other.close()


def other_client_label(server: BenchServer) -> str:
    fast = isinstance(server.nc, nats_client.FastHeaderClient)
    return "plain_nats_py" if fast else "fast_headers"
