"""How a projection keeps up with the stream once it has folded it (`StateProjection.follow`).

An ordered push consumer brings every event appended after the fold. Its callback skips what
the projection already holds (a decision of this process's controller, recorded at once and
brought back by the stream), folds the rest, and moves the position a worker waits on. A
watchdog subscribes again when the stream has moved on without us: nats-py's ordered consumer
gives up for good if its own reset fails while the server restarts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy

from adapters.runtime.pending_states import Key
from adapters.runtime.subscriptions import unsubscribe
from adapters.runtime.tasks import Running, Spawn
from events.codec import EventCodec
from events.quarantine import decode_stored, rollout_of
from events.store import EventStore, StoredEvent

log = structlog.get_logger("rollouts.projection")

WATCH_PERIOD = 1.0


class StreamFollower:
    def __init__(
        self,
        store: EventStore,
        codec: EventCodec,
        apply: Callable[[StoredEvent], None],
        version: Callable[[Key], int],
    ) -> None:
        """`apply` folds one event; `version` is a rollout's last folded stream sequence."""
        self._store = store
        self._codec = codec
        self._apply = apply
        self._version = version
        self.position = 0
        """Where the stream consumer is (the controller's own records may be ahead of it)."""
        self.advanced = asyncio.Condition()
        self._nc: Client | None = None
        self._subscription: Any = None
        self._watchdog: Running | None = None

    @property
    def following(self) -> bool:
        return self._nc is not None

    async def start(self, nc: Client, position: int, spawn: Spawn) -> None:
        """Follow from after `position`, the last sequence the fold covered."""
        self._nc = nc
        self.position = position
        await self._subscribe()
        self._watchdog = spawn("projection-watchdog", self._watch)

    async def _subscribe(self) -> None:
        assert self._nc is not None
        self._subscription = await self._nc.jetstream().subscribe(
            "rollouts.evt.>",
            ordered_consumer=True,
            cb=self.on_message,
            config=_start_after(self.position),
        )

    async def _watch(self) -> None:
        stalled_at = -1
        while True:
            await asyncio.sleep(WATCH_PERIOD)
            try:
                behind = await self._store.last_sequence() > self.position
                if behind and stalled_at == self.position:
                    await self._resubscribe()
                stalled_at = self.position if behind else -1
            except Exception as error:  # the server may be down; try again next period
                log.debug("projection.watchdog", error=repr(error))

    async def _resubscribe(self) -> None:
        old, self._subscription = self._subscription, None
        if old is not None:
            await unsubscribe(old)
        await self._subscribe()
        log.info("projection.resubscribed", sequence=self.position)

    async def on_message(self, msg: Msg) -> None:
        """nats-py hands a callback's exception to the connection's error callback, where it
        would vanish; so every failure is logged here and the stream position still moves."""
        sequence = msg.metadata.sequence.stream
        try:
            if not self._recorded(msg.subject, sequence):
                self._apply(
                    decode_stored(self._codec, msg.subject, sequence, msg.headers, msg.data)
                )
        except Exception:
            log.exception("projection.event_failed", subject=msg.subject, sequence=sequence)
        finally:
            self.position = max(self.position, sequence)
            async with self.advanced:
                self.advanced.notify_all()

    def _recorded(self, subject: str, sequence: int) -> bool:
        """Folded already: a decision of this process's controller (`record`) comes back on the
        subscription, and is known by its sequence without decoding it again."""
        namespace, _, name = rollout_of(subject).partition("/")
        return sequence <= self._version((namespace, name))

    async def wait_for(self, key: Key, sequence: int, timeout: float) -> None:
        async with asyncio.timeout(timeout), self.advanced:
            await self.advanced.wait_for(lambda: self._version(key) >= sequence)

    async def close(self) -> None:
        if self._watchdog is not None:
            await self._watchdog.stop()
            self._watchdog = None
        if self._subscription is not None:
            await unsubscribe(self._subscription)
            self._subscription = None


def _start_after(sequence: int) -> ConsumerConfig:
    if sequence == 0:
        return ConsumerConfig(deliver_policy=DeliverPolicy.ALL)
    return ConsumerConfig(
        deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=sequence + 1
    )
