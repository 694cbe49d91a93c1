"""A rollout's history cut into decisions: the runs of consecutive events sharing one cause.

The controller appends the events of one decision as one atomic batch, all carrying the id of
the input it decided on, so consecutive events with the same `causationid` are one decision.
(The same input cannot cause two separate decisions: a redelivered input decides nothing.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from events.store import StoredEvent


@dataclass(frozen=True, slots=True)
class Decision:
    cause: str
    events: tuple[StoredEvent, ...]

    @property
    def at(self) -> datetime:
        return self.events[0].envelope.time

    @property
    def first_sequence(self) -> int:
        return self.events[0].rollout_sequence

    @property
    def last_sequence(self) -> int:
        return self.events[-1].rollout_sequence

    def of_type(self, *names: str) -> list[StoredEvent]:
        return [stored for stored in self.events if stored.envelope.type in names]


def group_decisions(history: Iterable[StoredEvent]) -> list[Decision]:
    """One rollout's events, oldest first, as decisions in the same order."""
    decisions: list[Decision] = []
    current: list[StoredEvent] = []
    for stored in history:
        if current and stored.envelope.causationid != current[0].envelope.causationid:
            decisions.append(Decision(current[0].envelope.causationid, tuple(current)))
            current = []
        current.append(stored)
    if current:
        decisions.append(Decision(current[0].envelope.causationid, tuple(current)))
    return decisions


def by_rollout(events: Sequence[StoredEvent]) -> dict[tuple[str, str], list[StoredEvent]]:
    """The stream split into histories, each oldest first, keyed by (namespace, name)."""
    histories: dict[tuple[str, str], list[StoredEvent]] = {}
    for stored in events:
        key = (stored.envelope.namespace, stored.envelope.name)
        histories.setdefault(key, []).append(stored)
    return histories
