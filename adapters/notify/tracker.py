"""The state of a rollout just before each event, which Argo's reasons need.

`argo_reasons(before, event, after)` compares two states, and the notifier's consumer delivers
events of a rollout in order but may redeliver one after a restart or a failure. So each
rollout's last folded state is cached with its rollout sequence: the next event in line folds
onto it, and anything else (a first event after a start, a redelivery, a gap) rebuilds the
state from the stored history up to just before the event. The reasons are the same either way.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

import events.models as ev
from adapters.runtime.folding import evolve_readable
from events.base import Event
from events.store import StoredEvent
from rollouts.state import RolloutState, initial_state

Key = tuple[str, str]
MAX_CACHED = 10_000


class HistorySource(Protocol):
    async def load(self, namespace: str, name: str, *, after: int = 0) -> list[StoredEvent]: ...


@dataclass(frozen=True, slots=True)
class Folded:
    """A rollout's state after some event, and the manifest last applied to it."""

    state: RolloutState
    manifest: dict[str, Any] | None
    rollout_sequence: int
    command: tuple[str, str] = ("", "")
    """(input id, actor) of the last command accepted: the events of that decision share its
    input id, so a notification can say who asked for them."""


@dataclass(frozen=True, slots=True)
class Step:
    stored: StoredEvent
    before: Folded
    after: Folded

    @property
    def event(self) -> Event:
        return self.stored.event


def fold_one(folded: Folded, event: Event, rollout_sequence: int) -> Folded:
    """Tolerant of events this version of the domain cannot fold (a newer type, or one forged
    against the state): it keeps the state, as every reader does. A notifier must not stop
    because the controller was upgraded first, or because one message was bad."""
    state = evolve_readable(folded.state, event)
    manifest = event.manifest if isinstance(event, ev.SpecApplied) else folded.manifest
    command = (event.cause, event.actor) if isinstance(event, ev.CommandAccepted) else None
    return Folded(state, manifest, rollout_sequence, command or folded.command)


def key_of(stored: StoredEvent) -> Key:
    namespace, _, name = stored.envelope.subject.partition("/")
    return namespace, name


class StateTracker:
    def __init__(self, history: HistorySource, max_cached: int = MAX_CACHED) -> None:
        self._history = history
        self._max_cached = max_cached
        self._cache: OrderedDict[Key, Folded] = OrderedDict()
        self.rebuilds = 0

    async def step(self, stored: StoredEvent) -> Step:
        key = key_of(stored)
        cached = self._cache.get(key)
        if cached is not None and cached.rollout_sequence == stored.rollout_sequence - 1:
            before = cached
        else:
            before = await self._rebuild(key, stored.rollout_sequence)
        after = fold_one(before, stored.event, stored.rollout_sequence)
        self._cache[key] = after
        self._cache.move_to_end(key)
        while len(self._cache) > self._max_cached:
            self._cache.popitem(last=False)
        return Step(stored, before, after)

    async def _rebuild(self, key: Key, rollout_sequence: int) -> Folded:
        self.rebuilds += 1
        folded = Folded(initial_state(*key), None, 0)
        for stored in await self._history.load(*key):
            if stored.rollout_sequence >= rollout_sequence:
                break
            folded = fold_one(folded, stored.event, stored.rollout_sequence)
        return folded
