"""How long a rollout spent in each phase, from its `RolloutPhaseChanged` events.

Every phase change is recorded with the decision that made it, so the intervals between them
are exact to the decision time; no polling is involved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import events.models as ev
from events.phases import RolloutPhase
from events.store import StoredEvent


@dataclass(frozen=True, slots=True)
class PhaseInterval:
    phase: RolloutPhase
    start: datetime
    end: datetime | None
    """None while the rollout is still in this phase."""
    reason: str = ""

    def overlap(self, since: datetime | None, until: datetime) -> float:
        """Seconds of this interval inside [since, until]; an open interval runs to `until`."""
        start = self.start if since is None else max(self.start, since)
        end = until if self.end is None else min(self.end, until)
        return max(0.0, (end - start).total_seconds())


def phase_intervals(history: Iterable[StoredEvent]) -> list[PhaseInterval]:
    """The phases in order; the last one is open (no end)."""
    changes = [
        (stored.envelope.time, stored.event)
        for stored in history
        if isinstance(stored.event, ev.RolloutPhaseChanged)
    ]
    intervals: list[PhaseInterval] = []
    for index, (start, change) in enumerate(changes):
        end = changes[index + 1][0] if index + 1 < len(changes) else None
        intervals.append(PhaseInterval(change.to_phase, start, end, change.reason))
    return intervals


def seconds_in(
    intervals: Iterable[PhaseInterval],
    phase: RolloutPhase,
    since: datetime | None,
    until: datetime,
) -> float:
    return sum(i.overlap(since, until) for i in intervals if i.phase is phase)
