"""Delivery metrics from the stream, in the spirit of the DORA four keys.

Definitions (all times are event times, so the numbers are exact to the decision):
- deployments: revisions started (created, or reused by a rollback) in the window; per day is
  that count over the UTC calendar days from the window's start to `now`, both included.
- change failure rate: revisions aborted at least once or rolled back (the next revision went
  back to an older ReplicaSet), over revisions.
- time to restore: from an abort or the rollout turning Degraded to its next Healthy phase;
  incidents not restored yet are counted apart.
- lead time: from a revision's start to it serving as stable and Healthy.
- time in phase: the mean length of the phase intervals that ended in the window (clipped to
  it); the phase a rollout is in now is not counted, as it has not ended.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import events.models as ev
from adapters.history.decisions import group_decisions
from adapters.history.phases import phase_intervals
from adapters.history.revisions import RevisionRecord, revision_records
from events.phases import RolloutPhase
from events.store import StoredEvent


@dataclass(frozen=True, slots=True)
class Incident:
    started_at: datetime
    trigger: str
    restored_at: datetime | None

    @property
    def seconds(self) -> float | None:
        if self.restored_at is None:
            return None
        return (self.restored_at - self.started_at).total_seconds()


@dataclass
class DeliveryStats:
    """The raw material of the metrics; `merge` adds rollouts up for the overall figures."""

    label: str
    start: datetime
    now: datetime
    revisions: list[RevisionRecord] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    phase_seconds: dict[RolloutPhase, list[float]] = field(default_factory=dict)

    @property
    def days(self) -> int:
        return max(1, (self.now.date() - self.start.date()).days + 1)

    @property
    def deployments_per_day(self) -> float:
        return len(self.revisions) / self.days

    @property
    def deployments_by_day(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for record in sorted(self.revisions, key=lambda r: r.started_at):
            day = record.started_at.date().isoformat()
            counts[day] = counts.get(day, 0) + 1
        return counts

    @property
    def failed(self) -> int:
        return sum(1 for record in self.revisions if record.failed)

    @property
    def change_failure_rate(self) -> float | None:
        return self.failed / len(self.revisions) if self.revisions else None

    @property
    def restore_seconds(self) -> list[float]:
        return [s for s in (i.seconds for i in self.incidents) if s is not None]

    @property
    def unresolved(self) -> int:
        return sum(1 for incident in self.incidents if incident.restored_at is None)

    @property
    def lead_seconds(self) -> list[float]:
        return [s for s in (r.lead_seconds for r in self.revisions) if s is not None]

    def mean_phase_seconds(self) -> dict[RolloutPhase, float | None]:
        return {phase: mean(self.phase_seconds.get(phase, [])) for phase in RolloutPhase}

    def merge(self, other: DeliveryStats) -> None:
        self.start = min(self.start, other.start)
        self.revisions.extend(other.revisions)
        self.incidents.extend(other.incidents)
        for phase, seconds in other.phase_seconds.items():
            self.phase_seconds.setdefault(phase, []).extend(seconds)


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def incidents(history: Sequence[StoredEvent]) -> list[Incident]:
    found: list[Incident] = []
    open_since: tuple[datetime, str] | None = None
    for stored in history:
        event, at = stored.event, stored.envelope.time
        if open_since is None:
            if isinstance(event, ev.RolloutAborted):
                open_since = (at, f"revision {event.revision} aborted: {event.message}")
            elif isinstance(event, ev.RolloutPhaseChanged) and (
                event.to_phase is RolloutPhase.DEGRADED
            ):
                open_since = (at, f"Degraded: {event.message or event.reason}")
        elif isinstance(event, ev.RolloutPhaseChanged) and event.to_phase is RolloutPhase.HEALTHY:
            found.append(Incident(open_since[0], open_since[1], at))
            open_since = None
    if open_since is not None:
        found.append(Incident(open_since[0], open_since[1], None))
    return found


def rollout_stats(
    history: Sequence[StoredEvent], *, now: datetime, since: datetime | None = None
) -> DeliveryStats:
    """The metrics of one rollout's (non-empty) history, over [since, now]."""
    envelope = history[0].envelope
    stats = DeliveryStats(f"{envelope.namespace}/{envelope.name}", since or envelope.time, now)
    records = revision_records(group_decisions(history))
    stats.revisions = [r for r in records if since is None or r.started_at >= since]
    stats.incidents = [i for i in incidents(history) if since is None or i.started_at >= since]
    for interval in phase_intervals(history):
        if interval.end is None or (since is not None and interval.end <= since):
            continue
        seconds = interval.overlap(since, now)
        stats.phase_seconds.setdefault(interval.phase, []).append(seconds)
    return stats


def overall(per_rollout: Sequence[DeliveryStats], *, now: datetime) -> DeliveryStats:
    total = DeliveryStats("overall", min((s.start for s in per_rollout), default=now), now)
    for stats in per_rollout:
        total.merge(stats)
    return total
