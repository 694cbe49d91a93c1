"""The state of every rollout, folded from the stream and kept current as events arrive.

One projection per process. Workers read rollout specs and ReplicaSet templates from it instead
of loading history for every intent, and the controller uses it as its cache: after an append it
records its own decision here at once, and the same events arriving later from the stream are
skipped because each rollout remembers the stream sequence of the last event folded into it.

A worker handling the intent at stream sequence N of a rollout first waits until that rollout has
folded N, so it never acts on a state older than the intent.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from typing import Any

import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy

from adapters.runtime.subscriptions import unsubscribe
from adapters.runtime.tasks import Running, Spawn, spawn_task
from events.base import Event
from events.codec import DEFAULT_CODEC, EventCodec
from events.quarantine import Unreadable, decode_stored, one_line, rollout_of
from events.store import EventStore, StoredEvent
from rollouts.evolve import evolve
from rollouts.state import RolloutState, initial_state

log = structlog.get_logger("rollouts.projection")

Key = tuple[str, str]
Listener = Callable[[Key, RolloutState], None]
UnreadableListener = Callable[[Unreadable], None]


class StateProjection:
    def __init__(self, store: EventStore, codec: EventCodec = DEFAULT_CODEC) -> None:
        self._store = store
        self._codec = codec
        self._entries: dict[Key, tuple[RolloutState, int]] = {}
        self.sequence = 0
        """The highest stream sequence folded, of any rollout."""
        self._listeners: list[Listener] = []
        self._unreadable: list[UnreadableListener] = []
        self.unreadable = 0
        """Messages skipped because they cannot be decoded (`events.quarantine`)."""
        self._advanced = asyncio.Condition()
        self._subscription: Any = None
        self._nc: Client | None = None
        self._watchdog: Running | None = None
        self._stream_position = 0
        self._tail_after: int | None = None
        """Where `rebuild` starts after `restore` (snapshots may be ahead of their checkpoint)."""
        self.restored = 0
        """Rollouts started from a snapshot rather than from their history."""

    def on_event(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def on_unreadable(self, listener: UnreadableListener) -> None:
        """Call `listener` for each quarantined message folded (a metric counts them)."""
        self._unreadable.append(listener)

    def off_event(self, listener: Listener) -> None:
        """Stop calling `listener` (a component stopping before the projection does)."""
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    @property
    def states(self) -> dict[Key, RolloutState]:
        return {key: entry[0] for key, entry in self._entries.items()}

    def __len__(self) -> int:
        return len(self._entries)

    def state(self, namespace: str, name: str) -> RolloutState | None:
        entry = self._entries.get((namespace, name))
        return entry[0] if entry else None

    def entry(self, key: Key) -> tuple[RolloutState, int]:
        """(state, version): version is the stream sequence of the rollout's last event."""
        return self._entries.get(key) or (initial_state(*key), 0)

    def apply(self, stored: StoredEvent) -> None:
        namespace, _, name = stored.envelope.subject.partition("/")
        if type(stored.event) is Unreadable:  # exact types: see rollouts.evolve
            known = self.entry((namespace, name))[1] if name else self.sequence
            if stored.stream_sequence > known:  # once, however many readers bring it
                self._skipped(stored.event)
            if not name:  # not a rollout's subject: nothing to fold
                self.sequence = max(self.sequence, stored.stream_sequence)
                return
        self._fold((namespace, name), [(stored.stream_sequence, stored.event)])

    def _skipped(self, event: Unreadable) -> None:
        """One line per quarantined message (no traceback: the reason says it all)."""
        self.unreadable += 1
        log.warning(
            "projection.event_unreadable",
            subject=event.subject,
            sequence=event.sequence,
            reason=event.reason,
        )
        for listener in self._unreadable:
            with contextlib.suppress(Exception):
                listener(event)

    def record(self, key: Key, events: Sequence[Event], last_sequence: int) -> None:
        """A decision this process appended: its events hold the sequences up to
        `last_sequence` (one decision is contiguous in the stream)."""
        first = last_sequence - len(events) + 1
        self._fold(key, [(first + i, event) for i, event in enumerate(events)])

    def _fold(self, key: Key, events: Sequence[tuple[int, Event]]) -> None:
        state, version = self.entry(key)
        changed = False
        for sequence, event in events:
            if sequence <= version:
                continue
            state, version, changed = self._evolve(key, state, event, sequence), sequence, True
            self.sequence = max(self.sequence, sequence)
        if not changed:
            return
        self._entries[key] = (state, version)
        self._notify(key, state)

    def _notify(self, key: Key, state: RolloutState) -> None:
        for listener in self._listeners:
            try:
                listener(key, state)
            except Exception:  # a listener's bug must not leave the projection behind
                log.exception("projection.listener_failed", rollout=f"{key[0]}/{key[1]}")

    def _evolve(self, key: Key, state: RolloutState, event: Event, sequence: int) -> RolloutState:
        """The next state; an event that decodes but cannot be folded (written by someone other
        than the controller, against the state) is skipped like an unreadable one: the rollout
        keeps its place in the stream instead of being stuck behind it."""
        try:
            return evolve(state, event)
        except Exception as error:
            subject = f"{key[0]}/{key[1]}"
            reason = f"cannot fold {event.type_name()}: {type(error).__name__}: {error}"
            self._skipped(
                Unreadable(
                    cause=event.cause,
                    at=event.at,
                    sequence=sequence,
                    subject=subject,
                    claimed_type=event.type_name(),
                    reason=one_line(ValueError(reason)),
                )
            )
            return state.model_copy(update={"version": state.version + 1})

    @property
    def covered(self) -> int:
        """The stream position up to which every event is folded: where the stream consumer
        is once following (the controller's own records may be ahead of it), else `sequence`."""
        return self._stream_position if self._nc is not None else self.sequence

    def restore(self, entries: dict[Key, tuple[RolloutState, int]], position: int) -> None:
        """Start from snapshots instead of nothing: each rollout's (state, version), all the
        stream up to `position` covered. `rebuild` then folds only the tail after `position`,
        and skips a rollout's events at or below its own version (`_fold` does)."""
        self._entries.update(entries)
        self.restored += len(entries)
        versions = (version for _, version in entries.values())
        self.sequence = max(self.sequence, position, *versions)
        self._tail_after = position
        for key, (state, _) in entries.items():
            self._notify(key, state)

    async def refold(self, key: Key) -> None:
        """Fold one rollout from its own history (its snapshot could not be used)."""
        self._entries.pop(key, None)
        for stored in await self._store.load(*key):
            self.apply(stored)

    async def rebuild(self) -> None:
        """Fold the whole stream (replay), page by page, up to its end when the rebuild began;
        after `restore`, only the tail after the snapshots' checkpoint.
        (A page shorter than asked is no sign of the end: the stream may hold messages on
        subjects no rollout's events use, which the reader leaves out.)"""
        after = self.sequence if self._tail_after is None else self._tail_after
        self._tail_after = None
        async for page in self._store.iter_all(after=after):
            for stored in page:
                self.apply(stored)

    async def follow(self, nc: Client, spawn: Spawn = spawn_task) -> None:
        """Keep folding new events as they are appended (an ordered push consumer), with a
        watchdog: nats-py's ordered consumer gives up for good if its own reset fails while the
        server restarts, so when the stream has moved on without us, we subscribe again."""
        self._nc = nc
        self._stream_position = self.sequence
        await self._subscribe()
        self._watchdog = spawn("projection-watchdog", self._watch)

    async def _subscribe(self) -> None:
        assert self._nc is not None
        self._subscription = await self._nc.jetstream().subscribe(
            "rollouts.evt.>",
            ordered_consumer=True,
            cb=self._on_message,
            config=_start_after(self._followed),
        )

    @property
    def _followed(self) -> int:
        """Where the stream consumer is (the controller's own records may be ahead of it)."""
        return self._stream_position

    async def _watch(self, period: float = 1.0) -> None:
        stalled_at = -1
        while True:
            await asyncio.sleep(period)
            try:
                behind = await self._store.last_sequence() > self._followed
                if behind and stalled_at == self._followed:
                    await self._resubscribe()
                stalled_at = self._followed if behind else -1
            except Exception as error:  # the server may be down; try again next period
                log.debug("projection.watchdog", error=repr(error))

    async def _resubscribe(self) -> None:
        old, self._subscription = self._subscription, None
        if old is not None:
            await unsubscribe(old)
        await self._subscribe()
        log.info("projection.resubscribed", sequence=self._followed)

    async def _on_message(self, msg: Msg) -> None:
        """nats-py hands a callback's exception to the connection's error callback, where it
        would vanish; so every failure is logged here and the stream position still moves."""
        sequence = msg.metadata.sequence.stream
        try:
            if not self._recorded(msg.subject, sequence):
                self.apply(decode_stored(self._codec, msg.subject, sequence, msg.headers, msg.data))
        except Exception:
            log.exception("projection.event_failed", subject=msg.subject, sequence=sequence)
        finally:
            self._stream_position = max(self._stream_position, sequence)
            async with self._advanced:
                self._advanced.notify_all()

    def _recorded(self, subject: str, sequence: int) -> bool:
        """Folded already: a decision of this process's controller (`record`) comes back on the
        subscription, and is known by its sequence without decoding it again."""
        namespace, _, name = rollout_of(subject).partition("/")
        entry = self._entries.get((namespace, name))
        return entry is not None and sequence <= entry[1]

    async def wait_for(self, key: Key, sequence: int, timeout: float = 10.0) -> None:
        """Until rollout `key` has folded the event at stream sequence `sequence`."""
        async with asyncio.timeout(timeout), self._advanced:
            await self._advanced.wait_for(lambda: self.entry(key)[1] >= sequence)

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
