"""The state of every rollout, folded from the stream and kept current as events arrive.

Workers read rollout specs and ReplicaSet templates from here instead of loading history for
every intent. A worker handling the intent at stream sequence N first waits until the
projection has folded N, so it never acts on a state older than the intent.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy

from events.codec import DEFAULT_CODEC, EventCodec
from events.store import EventStore, StoredEvent
from rollouts.evolve import evolve
from rollouts.state import RolloutState, initial_state

log = structlog.get_logger("rollouts.projection")

Key = tuple[str, str]
Listener = Callable[[Key, RolloutState, StoredEvent], None]


class StateProjection:
    def __init__(self, store: EventStore, codec: EventCodec = DEFAULT_CODEC) -> None:
        self._store = store
        self._codec = codec
        self.states: dict[Key, RolloutState] = {}
        self.sequence = 0
        self._listeners: list[Listener] = []
        self._advanced = asyncio.Condition()
        self._subscription: Any = None
        self._nc: Client | None = None
        self._watchdog: asyncio.Task[None] | None = None

    def on_event(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def state(self, namespace: str, name: str) -> RolloutState | None:
        return self.states.get((namespace, name))

    def apply(self, stored: StoredEvent) -> None:
        if stored.stream_sequence <= self.sequence:
            return
        subject = stored.envelope.subject
        namespace, _, name = subject.partition("/")
        key = (namespace, name)
        state = self.states.get(key) or initial_state(namespace, name)
        state = evolve(state, stored.event)
        self.states[key] = state
        self.sequence = stored.stream_sequence
        for listener in self._listeners:
            listener(key, state, stored)

    async def rebuild(self) -> None:
        """Fold the whole stream (replay), page by page."""
        while True:
            page = await self._store.load_all(after=self.sequence, limit=10_000)
            for stored in page:
                self.apply(stored)
            if len(page) < 10_000:
                return

    async def follow(self, nc: Client) -> None:
        """Keep folding new events as they are appended (an ordered push consumer), with a
        watchdog: nats-py's ordered consumer gives up for good if its own reset fails while the
        server restarts, so when the stream has moved on without us, we subscribe again."""
        self._nc = nc
        await self._subscribe()
        self._watchdog = asyncio.create_task(self._watch(), name="projection-watchdog")

    async def _subscribe(self) -> None:
        assert self._nc is not None
        self._subscription = await self._nc.jetstream().subscribe(
            "rollouts.evt.>",
            ordered_consumer=True,
            cb=self._on_message,
            config=_start_after(self.sequence),
        )

    async def _watch(self, period: float = 1.0) -> None:
        stalled_at = -1
        while True:
            await asyncio.sleep(period)
            try:
                behind = await self._store.last_sequence() > self.sequence
                if behind and stalled_at == self.sequence:
                    await self._resubscribe()
                stalled_at = self.sequence if behind else -1
            except Exception as error:  # the server may be down; try again next period
                log.debug("projection.watchdog", error=repr(error))

    async def _resubscribe(self) -> None:
        old, self._subscription = self._subscription, None
        if old is not None:
            with contextlib.suppress(Exception):
                await old.unsubscribe()
        await self._subscribe()
        log.info("projection.resubscribed", sequence=self.sequence)

    async def _on_message(self, msg: Msg) -> None:
        envelope, event = self._codec.decode(msg.headers, msg.data)
        sequence = msg.metadata.sequence.stream
        self.apply(StoredEvent(sequence, envelope.rolloutsequence, envelope, event))
        async with self._advanced:
            self._advanced.notify_all()

    async def wait_for(self, sequence: int, timeout: float = 10.0) -> None:
        """Until the projection has folded `sequence` (an intent's own stream sequence)."""
        async with asyncio.timeout(timeout), self._advanced:
            await self._advanced.wait_for(lambda: self.sequence >= sequence)

    async def close(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
            self._watchdog = None
        if self._subscription is not None:
            with contextlib.suppress(Exception):
                await self._subscription.unsubscribe()
            self._subscription = None


def _start_after(sequence: int) -> ConsumerConfig:
    if sequence == 0:
        return ConsumerConfig(deliver_policy=DeliverPolicy.ALL)
    return ConsumerConfig(
        deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=sequence + 1
    )
