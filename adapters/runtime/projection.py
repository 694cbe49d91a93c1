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
import time
from collections.abc import Callable, Mapping, Sequence

import structlog
from nats.aio.client import Client

from adapters.runtime.following import StreamFollower
from adapters.runtime.pending_states import (
    Key,
    PendingStates,
    Restorable,
    StateUnavailable,
    collector_paused,
)
from adapters.runtime.tasks import Running, Spawn, spawn_task
from events.base import Event
from events.codec import DEFAULT_CODEC, EventCodec
from events.quarantine import Unreadable, one_line
from events.store import EventStore, StoredEvent
from rollouts.evolve import evolve
from rollouts.state import RolloutState, initial_state

__all__ = ["Key", "Listener", "StateProjection", "UnreadableListener"]

log = structlog.get_logger("rollouts.projection")

DECODE_SLICE = 0.002
"""Seconds of background decoding between two yields to the event loop. A decision takes a
dozen turns of the loop (input, append, its ack, the reply) and waits up to a slice at each:
with 32 states a turn (16-30 ms), the first decisions after a restart waited 3.6 s."""
REFOLD_RETRY = 1.0

Listener = Callable[[Key, RolloutState], None]
UnreadableListener = Callable[[Unreadable], None]


class StateProjection:
    def __init__(self, store: EventStore, codec: EventCodec = DEFAULT_CODEC) -> None:
        self._store = store
        self._codec = codec
        self._entries: dict[Key, tuple[RolloutState, int]] = {}
        self._pending = PendingStates()
        self._told_restored: tuple[Listener, ...] = ()
        """The listeners registered at `restore`: told of each restored state when decoded."""
        self.sequence = 0
        """The highest stream sequence folded, of any rollout."""
        self._listeners: list[Listener] = []
        self._unreadable: list[UnreadableListener] = []
        self.unreadable = 0
        """Messages skipped because they cannot be decoded (`events.quarantine`)."""
        self.follower = StreamFollower(store, codec, self.apply, self._version)
        self._decoder: Running | None = None
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
        """Every state, the restored ones decoded first (all of them: prefer `rollout_keys`)."""
        for key in list(self._pending.keys()):
            with contextlib.suppress(StateUnavailable):
                self._restored(key)
        return {key: entry[0] for key, entry in self._entries.items()}

    def rollout_keys(self) -> set[Key]:
        """Every rollout known, none decoded for it."""
        return {*self._entries, *self._pending.keys()}

    def __len__(self) -> int:
        return len(self._entries) + len(self._pending)

    def state(self, namespace: str, name: str) -> RolloutState | None:
        key = (namespace, name)
        entry = self._entries.get(key) or self._restored(key)
        return entry[0] if entry else None

    def entry(self, key: Key) -> tuple[RolloutState, int]:
        """(state, version): version is the stream sequence of the rollout's last event."""
        return self._entries.get(key) or self._restored(key) or (initial_state(*key), 0)

    def _restored(self, key: Key) -> tuple[RolloutState, int] | None:
        """A restored rollout's entry, decoded now; None for a rollout never restored."""
        if key in self._pending:
            entry = self._entries[key] = self._pending.decode(key)
            self._notify(key, entry[0], self._told_restored)
            return entry
        if key in self._pending.blocked:
            raise StateUnavailable(key)
        return None

    def _version(self, key: Key) -> int:
        """A rollout's version, without decoding it (0: not known, or being refolded)."""
        entry = self._entries.get(key)
        return entry[1] if entry else self._pending.version(key)

    def apply(self, stored: StoredEvent) -> None:
        namespace, _, name = stored.envelope.subject.partition("/")
        if type(stored.event) is Unreadable:  # exact types: see rollouts.evolve
            known = self._version((namespace, name)) if name else self.sequence
            if stored.stream_sequence > known:  # once, however many readers bring it
                self._skipped(stored.event)
            if not name:  # not a rollout's subject: nothing to fold
                self.sequence = max(self.sequence, stored.stream_sequence)
                return
        try:  # not `suppress`: 1 us a replayed event against 0.15 (1 % of a replay)
            self._fold((namespace, name), [(stored.stream_sequence, stored.event)])
        except StateUnavailable:
            return  # its refold reads this event from its history

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

    def _notify(
        self, key: Key, state: RolloutState, listeners: Sequence[Listener] | None = None
    ) -> None:
        for listener in self._listeners if listeners is None else listeners:
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
        return self.follower.position if self.follower.following else self.sequence

    def restore(self, snapshots: Mapping[Key, Restorable], position: int) -> None:
        """Start from snapshots instead of nothing: each rollout's, all the stream up to
        `position` covered. `rebuild` then folds only the tail after `position`, and skips a
        rollout's events at or below its own version (`_fold` does). Each is decoded when first
        needed, or in the background once following (`adapters.runtime.pending_states`); the
        listeners registered now are told of it then."""
        self._pending.add(snapshots)
        self._told_restored = tuple(self._listeners)
        self.restored += len(snapshots)
        versions = (snapshot.version for snapshot in snapshots.values())
        self.sequence = max(self.sequence, position, *versions)
        self._tail_after = position

    async def refold(self, key: Key) -> None:
        """Fold one rollout from its own history (its snapshot could not be used). While that
        history is read the stream's events for the rollout are left out (`blocked`), so each
        read starts after the last event folded, until one finds nothing more."""
        self._pending.drop(key)
        self._entries.pop(key, None)
        self._pending.blocked.add(key)
        while history := await self._store.load(*key, after=self._version(key)):
            self._pending.blocked.discard(key)
            for stored in history:
                self.apply(stored)
            self._pending.blocked.add(key)
        self._pending.blocked.discard(key)  # no await since the last read: nothing missed

    async def decode_restored(self) -> None:
        """The restored states no decision has needed yet, decoded a slice at a time (decisions
        go first), and the rollouts whose snapshot did not decode refolded: the job `follow`
        starts, until none is left."""
        started, count = time.perf_counter(), len(self._pending)
        with collector_paused():
            began = started
            for key in list(self._pending.keys()):
                if key in self._pending:  # not decoded by a decision meanwhile
                    with contextlib.suppress(StateUnavailable):
                        self._restored(key)
                if time.perf_counter() - began > DECODE_SLICE:
                    await asyncio.sleep(0)
                    began = time.perf_counter()
        log.info(
            "projection.restored_decoded",
            rollouts=count,
            seconds=round(time.perf_counter() - started, 2),
            undecodable=len(self._pending.blocked),
        )
        while self._pending.blocked:  # found while decoding, and none pending any more
            key = next(iter(self._pending.blocked))
            try:
                await self.refold(key)
            except Exception as error:  # the server may be down: try again
                log.warning("projection.refold_failed", rollout=key, error=repr(error))
                await asyncio.sleep(REFOLD_RETRY)

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
        """Keep folding new events as they are appended (`adapters.runtime.following`), and
        decode the restored states no decision needed yet in the background."""
        await self.follower.start(nc, self.sequence, spawn)
        if self._pending or self._pending.blocked:  # a job that ends: not supervised
            self._decoder = spawn_task("projection-decoder", self.decode_restored)

    async def wait_for(self, key: Key, sequence: int, timeout: float = 10.0) -> None:
        """Until rollout `key` has folded the event at stream sequence `sequence`."""
        await self.follower.wait_for(key, sequence, timeout)

    async def close(self) -> None:
        if self._decoder is not None:
            await self._decoder.stop()
            self._decoder = None
        await self.follower.close()
