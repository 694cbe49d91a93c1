"""The process's FastStream broker, and the one NATS connection it holds for everything.

A worker process used to open two connections to NATS: ours (`adapters.runtime.connect`) for
the event store, KV buckets, partition leases and direct JetStream calls, and FastStream's for
its subscribers. `ProcessBroker` makes them one: the broker dials (its `connect()` is what opens
the connection), but through the dial `connect()` gives it, so the connection is still ours in
every way that matters: `events.nats_client.FastHeaderClient` (headers parsed and written at C
speed), the process's identity and credentials, the first-connect checks (a refused password
fails at once instead of retrying forever) and the reconnect log lines. Everything else in the
process then takes the client from the broker (`broker.connection`, FastStream's public
accessor), and the server sees one connection per process.

Ownership stays where the shutdown order needs it (`adapters.workers.wiring`): stopping the
broker stops its subscribers only, since handlers still in flight must ack through the
connection, and the projection and the partition leases still use it; the connection is
drained last, by `Connection.close()`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

from faststream.nats import NatsBroker
from nats.aio.client import Client
from typing_extensions import override

Dial = Callable[[], Awaitable[Client]]
"""Opens the process's connection (`adapters.runtime.connect.connect` builds it)."""

SPEC_URL = "nats://127.0.0.1:4222"


class ProcessBroker(NatsBroker):
    """A NatsBroker that connects through the process's dial and leaves the connection open
    when it stops (its owner, `Connection`, drains it last)."""

    def __init__(self, servers: str | list[str] = SPEC_URL, **options: Any) -> None:
        """`servers` only names the servers in the AsyncAPI document: the dial decides where
        the connection goes. `options` are NatsBroker's (logger, apply_types, ...)."""
        options.setdefault("logger", None)  # the workers log their own lines (structlog)
        # No FastDepends: handlers take the decoded body alone (`adapters.workers.subscriptions`)
        # rather than an injected message, which FastDepends resolves in a worker thread.
        options.setdefault("apply_types", False)
        super().__init__(servers, **options)
        self._dial: Dial | None = None

    def dial_with(self, dial: Dial) -> None:
        """Set how `connect()` opens the connection; without it the broker dials as FastStream
        does (tests on a bare server)."""
        self._dial = dial

    @override
    async def _connect(self) -> Client:
        if self._dial is None:
            return await super()._connect()
        connection = await self._dial()
        self.config.connect(connection)  # what NatsBroker._connect does after nats.connect()
        return connection

    @override
    async def stop(
        self,
        exc_type: type[BaseException] | None = None,
        exc_val: BaseException | None = None,
        exc_tb: TracebackType | None = None,
    ) -> None:
        """Stop the subscribers, not the connection: NatsBroker.stop() drains it, which would
        cut the acks of the handlers still running and everything else the process does on
        it. Without a dial of ours the broker owns its connection and closes it as usual."""
        if self._dial is not None:
            self._connection = None  # ours: NatsBroker.stop() must not drain it
        await super().stop(exc_type, exc_val, exc_tb)
