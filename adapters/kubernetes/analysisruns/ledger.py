"""Every analysis run of one rollout, folded from its events: the read model the AnalysisRun
objects are projected from.

The rollout's own state forgets the runs of older revisions when a new one starts; the objects
must not (Argo keeps the newest 5 successful and 5 unsuccessful). So the ledger folds only the
analysis events, through the core's own `evolve` handlers (the same counters, phases and
measurement retention as the state), into a state that never sees a RevisionCreated, plus what
the object needs and the state does not keep: the run's pod-template hash, the RolloutAnalysis
it was requested with (analysisRunMetadata), its resolved arguments, when it was requested and
completed, and when the measurement in flight started.

Runs the objects no longer show (beyond the history limits) are `forget`-ten, so the ledger
stays as small as the objects. Pure: no IO, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import events.models as ev
from events.base import Event
from events.judgment import JudgmentRecorded
from events.phases import AnalysisRunKind
from rollouts.evolve import evolve
from rollouts.run_state import AnalysisRunState
from rollouts.state import RolloutState, initial_state
from rollouts.state_changes import changed

FOLDED = (
    ev.AnalysisRunRequested,
    ev.AnalysisRunStarted,
    ev.MeasurementDue,
    ev.MeasurementRecorded,
    ev.MetricPhaseChanged,
    ev.AnalysisRunStatusChanged,
    ev.AnalysisRunTerminationRequested,
    JudgmentRecorded,
)
"""The events that change a run (anything else leaves the ledger as it is)."""


@dataclass(frozen=True, slots=True)
class RunFacts:
    """What the AnalysisRun object shows beyond the run's state in the core."""

    kind: AnalysisRunKind
    step_index: int | None
    revision: int
    pod_template_hash: str
    analysis: dict[str, Any]
    requested_at: datetime
    order: int
    metrics: tuple[dict[str, Any], ...] = ()
    """Argo Metric objects as the run measures them (AnalysisRunStarted)."""
    args: dict[str, str] = field(default_factory=dict)
    measurement_retention: dict[str, int] = field(default_factory=dict)
    completed_at: datetime | None = None
    in_flight_since: dict[str, datetime] = field(default_factory=dict)
    """Metric name -> when its measurement in flight was asked for."""


@dataclass(frozen=True, slots=True)
class LedgerRun:
    state: AnalysisRunState
    facts: RunFacts

    @property
    def name(self) -> str:
        return self.state.name


class RunLedger:
    """The runs of one rollout; `version` is the stream sequence of the last event folded."""

    def __init__(self, namespace: str, name: str) -> None:
        self._state: RolloutState = initial_state(namespace, name)
        self._facts: dict[str, RunFacts] = {}
        self._next_order = 0
        self.version = 0

    def fold(self, events: Iterable[tuple[int, Event]]) -> bool:
        """Fold `(stream sequence, event)` pairs; those at or below `version` are skipped.
        Whether any run changed."""
        changed = False
        for sequence, event in events:
            if sequence <= self.version:
                continue
            self.version = sequence
            if isinstance(event, FOLDED):
                changed = self._apply(event) or changed
        return changed

    def _apply(self, event: Event) -> bool:
        if isinstance(event, ev.AnalysisRunRequested):
            self._facts[event.run_name] = _requested(event, self._next_order)
            self._next_order += 1
        run_name = str(getattr(event, "run_name", ""))
        if run_name not in self._facts:
            return False  # a run this ledger never saw requested, or forgot
        self._state = evolve(self._state, event)
        self._facts[run_name] = _noted(self._facts[run_name], event)
        return True

    def runs(self) -> list[LedgerRun]:
        """Every run remembered, oldest request first."""
        found = [
            LedgerRun(run, self._facts[name])
            for name, run in self._state.analysis_runs.items()
            if name in self._facts
        ]
        return sorted(found, key=lambda run: run.facts.order)

    def forget(self, names: Iterable[str]) -> None:
        gone = set(names) & set(self._facts)
        if not gone:
            return
        for name in gone:
            del self._facts[name]
        runs = {k: v for k, v in self._state.analysis_runs.items() if k not in gone}
        current = {k: v for k, v in self._state.current_runs.items() if v not in gone}
        self._state = changed(self._state, {"analysis_runs": runs, "current_runs": current})


def _requested(event: ev.AnalysisRunRequested, order: int) -> RunFacts:
    return RunFacts(
        kind=event.kind,
        step_index=event.step_index,
        revision=event.revision,
        pod_template_hash=event.pod_template_hash,
        analysis=dict(event.analysis),
        requested_at=event.at,
        order=order,
    )


def _noted(facts: RunFacts, event: Event) -> RunFacts:
    if isinstance(event, ev.AnalysisRunStarted):
        return replace(
            facts,
            metrics=tuple(event.metrics),
            args=dict(event.args),
            measurement_retention=dict(event.measurement_retention),
        )
    if isinstance(event, ev.MeasurementDue):
        return replace(facts, in_flight_since={**facts.in_flight_since, event.metric: event.at})
    if isinstance(event, ev.MeasurementRecorded):
        since = {k: v for k, v in facts.in_flight_since.items() if k != event.metric}
        return replace(facts, in_flight_since=since)
    if isinstance(event, ev.AnalysisRunStatusChanged):
        done = event.phase.completed
        if done and facts.completed_at is None:
            return replace(facts, completed_at=event.at)
        if not done:
            return replace(facts, completed_at=None)
    return facts
