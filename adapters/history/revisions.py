"""The life of each revision of a rollout: when it started and why, its steps, its outcome.

A revision starts with the decision that created (or reused, for a rollback) its ReplicaSet
and lasts until the next one starts. Its outcome is read from the events that name it:
`RolloutCompleted` (it became stable), `RolloutAborted` (and whether it completed after a
retry), or neither before a newer revision replaced it (superseded).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import events.models as ev
from adapters.history.decisions import Decision
from adapters.history.describe import images
from events.base import Event
from events.phases import RolloutPhase

Outcome = Literal["completed", "aborted", "superseded", "in progress"]
STEP_RESTARTS = (ev.StepsRewound, ev.StepsSkipped, ev.UpdateReset, ev.AbortCleared)
"""Events after which the next step's clock starts again."""


@dataclass(frozen=True, slots=True)
class StepTiming:
    index: int
    step: str
    started_at: datetime
    completed_at: datetime

    @property
    def seconds(self) -> float:
        return (self.completed_at - self.started_at).total_seconds()


@dataclass(frozen=True, slots=True)
class Abort:
    at: datetime
    message: str


@dataclass
class RevisionRecord:
    revision: int
    pod_template_hash: str
    images: str
    rollback: bool
    started_at: datetime
    started_by: str
    """The input id of the decision that started it."""
    ended_at: datetime | None = None
    superseded_by: int | None = None
    completed_at: datetime | None = None
    healthy_at: datetime | None = None
    aborts: list[Abort] = field(default_factory=list)
    steps: list[StepTiming] = field(default_factory=list)
    rolled_back: bool = False
    """The next revision returned to an older ReplicaSet (undo, or an older spec applied)."""

    @property
    def outcome(self) -> Outcome:
        last_abort = self.aborts[-1].at if self.aborts else None
        if last_abort is not None and (self.completed_at is None or self.completed_at < last_abort):
            return "aborted"
        if self.completed_at is not None:
            return "completed"
        return "superseded" if self.superseded_by is not None else "in progress"

    @property
    def failed(self) -> bool:
        """A change failure: aborted at least once, or rolled back."""
        return bool(self.aborts) or self.rolled_back

    @property
    def lead_seconds(self) -> float | None:
        """From the update to the revision serving as stable and Healthy."""
        done = self.healthy_at or self.completed_at
        return None if done is None else (done - self.started_at).total_seconds()


@dataclass
class _Walk:
    records: dict[int, RevisionRecord] = field(default_factory=dict)
    current: RevisionRecord | None = None
    step_clock: datetime | None = None
    stable_hash: str | None = None

    def start(self, decision: Decision, event: ev.RevisionCreated | ev.RevisionReused) -> None:
        at = decision.at
        if self.current is not None:
            self.current.ended_at = at
            self.current.superseded_by = event.revision
            self.current.rolled_back = isinstance(event, ev.RevisionReused)
        shown = images(event.template) if isinstance(event, ev.RevisionCreated) else ""
        if isinstance(event, ev.RevisionReused):
            shown = self._images_of(event.pod_template_hash)
        record = RevisionRecord(
            revision=event.revision,
            pod_template_hash=event.pod_template_hash,
            images=shown,
            rollback=isinstance(event, ev.RevisionReused),
            started_at=at,
            started_by=decision.cause,
        )
        if event.pod_template_hash == self.stable_hash:
            record.completed_at = at  # back to the stable ReplicaSet: nothing left to roll out
        self.records[event.revision] = record
        self.current, self.step_clock = record, at

    def _images_of(self, pod_hash: str) -> str:
        earlier = [r for r in self.records.values() if r.pod_template_hash == pod_hash]
        return earlier[0].images if earlier else ""

    def step(self, at: datetime, event: ev.RolloutStepCompleted) -> None:
        if self.current is None:
            return
        started = self.step_clock or at
        self.current.steps.append(StepTiming(event.step_index, event.step, started, at))
        self.step_clock = at

    def outcome(self, at: datetime, event: Event) -> None:
        if isinstance(event, ev.RolloutCompleted) and event.revision in self.records:
            record = self.records[event.revision]
            record.completed_at, record.healthy_at = at, None
            self.stable_hash = event.stable_hash
        elif isinstance(event, ev.RolloutAborted) and event.revision in self.records:
            self.records[event.revision].aborts.append(Abort(at, event.message))

    def phase(self, at: datetime, event: ev.RolloutPhaseChanged) -> None:
        record = self.current
        if record is None or event.to_phase is not RolloutPhase.HEALTHY:
            return
        if record.completed_at is not None and record.healthy_at is None:
            record.healthy_at = at


def revision_records(decisions: Sequence[Decision]) -> list[RevisionRecord]:
    """Every revision of the history, oldest first."""
    walk = _Walk()
    for decision in decisions:
        for stored in decision.events:
            event, at = stored.event, stored.envelope.time
            if isinstance(event, ev.RevisionCreated | ev.RevisionReused):
                walk.start(decision, event)
            elif isinstance(event, ev.RolloutStepCompleted):
                walk.step(at, event)
            elif isinstance(event, STEP_RESTARTS):
                walk.step_clock = at
            elif isinstance(event, ev.RolloutCompleted | ev.RolloutAborted):
                walk.outcome(at, event)
            elif isinstance(event, ev.RolloutPhaseChanged):
                walk.phase(at, event)
    return sorted(walk.records.values(), key=lambda record: record.revision)


def revision_of_decisions(decisions: Sequence[Decision]) -> list[int]:
    """The revision each decision belongs to: the one it started, else the one in flight
    (0 before the first revision)."""
    current = 0
    owners: list[int] = []
    for decision in decisions:
        for stored in decision.events:
            if isinstance(stored.event, ev.RevisionCreated | ev.RevisionReused):
                current = stored.event.revision
        owners.append(current)
    return owners
