"""Every rollout's state, folded live from the stream, and fanned out to the open pages.

One ordered consumer reads the event stream from its start and folds each event into its
rollout's state with the readers' fold (`evolve_readable`), so the list is right from the first
page load and stays right without polling. Each page holds a queue; a page too slow to drain
its queue is dropped (it reconnects and gets a fresh snapshot) rather than holding memory.
"""

from __future__ import annotations

import asyncio
from typing import Any

from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy

from adapters.cli.web.documents import summary
from adapters.runtime.client import RolloutsClient
from adapters.runtime.folding import evolve_readable
from adapters.runtime.subscriptions import unsubscribe
from events.codec import DEFAULT_CODEC
from events.quarantine import Unreadable, decode_stored
from events.subjects import ALL_EVENTS
from rollouts.state import RolloutState, initial_state

QUEUE_LIMIT = 1000

Key = tuple[str, str]


class Board:
    def __init__(self, client: RolloutsClient, namespace: str | None) -> None:
        self._client = client
        self._namespace = namespace
        """Only this namespace's rollouts (None: all)."""
        self._states: dict[Key, RolloutState] = {}
        self._pages: set[asyncio.Queue[dict[str, Any]]] = set()
        self._caught_up = asyncio.Event()
        self._target = 0
        self._subscription: Any = None

    async def start(self) -> None:
        self._target = await self._client.store.last_sequence()
        if self._target == 0:
            self._caught_up.set()
        self._subscription = await self._client.js.subscribe(
            ALL_EVENTS,
            ordered_consumer=True,
            cb=self._on_message,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
        )

    async def stop(self) -> None:
        if self._subscription is not None:
            await unsubscribe(self._subscription)
            self._subscription = None

    async def summaries(self) -> list[dict[str, Any]]:
        """Every rollout's line, once the events stored before the start are folded."""
        await self._caught_up.wait()
        return [summary(self._states[key]) for key in sorted(self._states)]

    def watch(self) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_LIMIT)
        self._pages.add(queue)
        return queue

    def unwatch(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self._pages.discard(queue)

    async def _on_message(self, msg: Msg) -> None:
        sequence = msg.metadata.sequence.stream
        stored = decode_stored(DEFAULT_CODEC, msg.subject, sequence, msg.headers, msg.data)
        if sequence >= self._target:
            self._caught_up.set()
        if isinstance(stored.event, Unreadable):  # skipped by the fold (events.quarantine)
            return
        namespace, _, name = stored.envelope.subject.partition("/")
        if self._namespace is not None and namespace != self._namespace:
            return
        key = (namespace, name)
        state = evolve_readable(
            self._states.get(key) or initial_state(namespace, name), stored.event
        )
        self._states[key] = state
        if self._caught_up.is_set():
            self._publish(
                {
                    "rollout": summary(state),
                    "seq": stored.rollout_sequence,
                    "type": type(stored.event).__name__,
                }
            )

    def close_pages(self) -> None:
        """Tell every open page's stream to end (the server is shutting down)."""
        for queue in list(self._pages):
            self._drop(queue, {"closing": True})

    def _drop(self, queue: asyncio.Queue[dict[str, Any]], last: dict[str, Any]) -> None:
        self._pages.discard(queue)
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait(last)

    def _publish(self, update: dict[str, Any]) -> None:
        for queue in list(self._pages):
            try:
                queue.put_nowait(update)
            except asyncio.QueueFull:
                self._drop(queue, {"reconnect": True})  # the page reloads from a snapshot
