"""The state of a fleet rollout: a fold of its events (`evolve` handles every fleet event).

Like a rollout's state it holds only what events said; the decision derives everything else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypedDict

from pydantic import BaseModel, ConfigDict

from events import fleet as ev
from events.base import Event
from events.fleet import FleetPhase
from events.phases import AnalysisPhase, RolloutPhase
from rollouts.fleet.spec import FleetRollout

RECENT_CAUSES = 256


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class ClusterView(_Frozen):
    """The last recorded observation of one cluster's rollout."""

    phase: RolloutPhase | None = None
    pod_hash: str = ""
    stable_hash: str = ""
    canary_weight: int | None = None
    step_index: int | None = None
    aborted: bool = False
    analysis: AnalysisPhase | None = None
    failed_metric: str = ""
    failed_value: str = ""
    score: float | None = None

    def healthy_on(self, template_hash: str) -> bool:
        return (
            self.phase is RolloutPhase.HEALTHY
            and self.pod_hash == template_hash
            and self.stable_hash == template_hash
            and not self.aborted
        )


class AbortInfo(_Frozen):
    revision: int
    reason: str
    cluster: str
    metric: str
    value: str
    clusters: tuple[str, ...]
    input_id: str
    at: datetime
    rollbacks: tuple[str, ...] = ()


class FleetState(_Frozen):
    name: str
    version: int = 0
    fleet: FleetRollout | None = None
    revision: int = 0
    template_hash: str = ""
    phase: FleetPhase | None = None
    wave: int | None = None
    """The latest wave started for the current revision."""
    wave_completed_at: datetime | None = None
    """When wave `wave` was seen Healthy everywhere (the bake time runs from here)."""
    gate: int | None = None
    gates_passed: tuple[int, ...] = ()
    updates: dict[str, str] = {}
    """Cluster -> input id of the update it was sent for the current revision."""
    clusters: dict[str, ClusterView] = {}
    stable: FleetRollout | None = None
    stable_revision: int = 0
    """The last revision that completed: where an aborted revision's clusters go back to."""
    abort: AbortInfo | None = None
    abort_pending: tuple[str, ...] = ()
    rollbacks: tuple[str, ...] = ()
    """Clusters sent the stable revision back after an abort (pending until stable on it)."""
    score: float | None = None
    score_parts: dict[str, float] = {}
    recent_causes: tuple[str, ...] = ()

    @property
    def in_progress(self) -> bool:
        return self.phase in ("Pending", "Progressing", "Paused")


class FleetChanges(TypedDict, total=False):
    """What a fleet evolve handler may change: mypy rejects any other key (see
    rollouts.state_changes for why model_copy's untyped update is not enough)."""

    name: str
    version: int
    fleet: FleetRollout | None
    revision: int
    template_hash: str
    phase: FleetPhase | None
    wave: int | None
    wave_completed_at: datetime | None
    gate: int | None
    gates_passed: tuple[int, ...]
    updates: dict[str, str]
    clusters: dict[str, ClusterView]
    stable: FleetRollout | None
    stable_revision: int
    abort: AbortInfo | None
    abort_pending: tuple[str, ...]
    rollbacks: tuple[str, ...]
    score: float | None
    score_parts: dict[str, float]
    recent_causes: tuple[str, ...]


def initial_fleet_state(name: str) -> FleetState:
    return FleetState(name=name)


def _applied(s: FleetState, e: ev.FleetSpecApplied) -> FleetChanges:
    return {
        "fleet": FleetRollout.model_validate(e.manifest),
        "revision": e.revision,
        "template_hash": e.template_hash,
        "wave": None,
        "wave_completed_at": None,
        "gate": None,
        "gates_passed": (),
        "updates": {},
        "abort": None,
        "abort_pending": (),
        "rollbacks": (),
        "score": None,
        "score_parts": {},
    }


def _wave_started(s: FleetState, e: ev.FleetWaveStarted) -> FleetChanges:
    return {"wave": e.wave, "wave_completed_at": None, "gate": None}


def _update(s: FleetState, e: ev.FleetClusterUpdateRequested) -> FleetChanges:
    return {"updates": {**s.updates, e.cluster: e.input_id}}


def _observed(s: FleetState, e: ev.FleetClusterObserved) -> FleetChanges:
    view = ClusterView.model_validate(e.model_dump(exclude={"cause", "at", "cluster"}))
    return {"clusters": {**s.clusters, e.cluster: view}}


def _abort(s: FleetState, e: ev.FleetAbortRequested) -> FleetChanges:
    info = AbortInfo.model_validate(
        {
            **e.model_dump(exclude={"cause"}),
            "clusters": tuple(e.clusters),
            "rollbacks": tuple(e.rollbacks),
        }
    )
    return {"abort": info, "abort_pending": (*e.clusters, *e.rollbacks)}


def _acked(s: FleetState, e: ev.FleetAbortAcknowledged) -> FleetChanges:
    return {"abort_pending": tuple(c for c in s.abort_pending if c != e.cluster)}


_HANDLERS: dict[type[Event], Callable[[FleetState, Any], FleetChanges]] = {
    ev.FleetSpecApplied: _applied,
    ev.FleetWaveStarted: _wave_started,
    ev.FleetClusterUpdateRequested: _update,
    ev.FleetWaveCompleted: lambda s, e: {"wave_completed_at": e.at},
    ev.FleetGateReached: lambda s, e: {"gate": e.wave},
    ev.FleetGatePassed: lambda s, e: {"gate": None, "gates_passed": (*s.gates_passed, e.wave)},
    ev.FleetClusterObserved: _observed,
    ev.FleetHealthScored: lambda s, e: {"score": e.score, "score_parts": dict(e.clusters)},
    ev.FleetAbortRequested: _abort,
    ev.FleetAbortAcknowledged: _acked,
    ev.FleetCompleted: lambda s, e: {"stable": s.fleet, "stable_revision": e.revision},
    ev.FleetClusterRollbackRequested: lambda s, e: {"rollbacks": (*s.rollbacks, e.cluster)},
    ev.FleetPhaseChanged: lambda s, e: {"phase": e.phase},
}


def evolve_fleet(state: FleetState, event: Event) -> FleetState:
    handler = _HANDLERS.get(type(event))
    if handler is None:
        raise TypeError(f"{type(event).__name__} is not a fleet event")
    update = handler(state, event)
    update["version"] = state.version + 1
    if event.cause not in state.recent_causes:
        update["recent_causes"] = (*state.recent_causes, event.cause)[-RECENT_CAUSES:]
    return state.model_copy(update=update)


def fold_fleet(state: FleetState, events: Iterable[Event]) -> FleetState:
    for event in events:
        state = evolve_fleet(state, event)
    return state
