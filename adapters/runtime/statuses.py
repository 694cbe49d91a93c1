"""Fan-out of ReplicaSet status changes to any number of subscribers.

Each subscriber gets its own queue, registered when `statuses()` is called (not at the first
`__anext__`), so a change between subscribing and iterating is never lost. A new subscriber
first receives the current status of every ReplicaSet, as a Kubernetes watch starts with a list:
a worker that restarts learns where things stand without waiting for the next change.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from rollouts.ports import ReplicaSetStatus


class StatusStream:
    def __init__(self, hub: StatusHub, queue: asyncio.Queue[ReplicaSetStatus | None]) -> None:
        self._hub = hub
        self._queue = queue

    def __aiter__(self) -> StatusStream:
        return self

    async def __anext__(self) -> ReplicaSetStatus:
        item = await self._queue.get()
        if item is None:
            self.close()
            raise StopAsyncIteration
        return item

    def close(self) -> None:
        """Stop receiving; changes published afterwards are not queued for this stream."""
        self._hub.discard(self._queue)

    async def aclose(self) -> None:
        """So that `contextlib.aclosing(platform.statuses())` unsubscribes on exit."""
        self.close()


class StatusHub:
    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[ReplicaSetStatus | None]] = set()
        self._closed = False

    def subscribe(self, current: Iterable[ReplicaSetStatus]) -> StatusStream:
        queue: asyncio.Queue[ReplicaSetStatus | None] = asyncio.Queue()
        for status in current:
            queue.put_nowait(status)
        if self._closed:
            queue.put_nowait(None)
        else:
            self._queues.add(queue)
        return StatusStream(self, queue)

    def publish(self, status: ReplicaSetStatus) -> None:
        for queue in self._queues:
            queue.put_nowait(status)

    def discard(self, queue: asyncio.Queue[ReplicaSetStatus | None]) -> None:
        self._queues.discard(queue)

    @property
    def subscribers(self) -> int:
        return len(self._queues)

    def close(self) -> None:
        """End every stream: iteration stops once the already queued changes are read."""
        self._closed = True
        for queue in self._queues:
            queue.put_nowait(None)
        self._queues.clear()

    def reopen(self) -> None:
        self._closed = False
