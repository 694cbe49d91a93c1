"""What `get rollout` shows, computed from a folded state (and the events, for ages).

Kept apart from the Rich rendering so the numbers (step, weights, replica counts, roles) are
tested as data, and `get`, `replay` and `--watch` all show the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import events.models as ev
from adapters.cli.pause_view import PauseLimitView, controller_default, pause_limit_view
from events.base import Event
from events.phases import AnalysisPhase, RolloutPhase
from events.quarantine import Unreadable
from rollouts.decide.canary.weights import current_set_weight
from rollouts.phase import available_replicas, compute_phase, total_replicas, updated_replicas
from rollouts.state import ReplicaSetState, RolloutState

PHASE_SYMBOLS = {
    RolloutPhase.HEALTHY: "✔",
    RolloutPhase.PAUSED: "॥",
    RolloutPhase.PROGRESSING: "◌",
    RolloutPhase.DEGRADED: "✖",
}
RUN_SYMBOLS = {
    AnalysisPhase.SUCCESSFUL: "✔",
    AnalysisPhase.RUNNING: "◌",
    AnalysisPhase.PENDING: "◌",
    AnalysisPhase.FAILED: "✖",
    AnalysisPhase.ERROR: "⚠",
    AnalysisPhase.INCONCLUSIVE: "⚠",
}


@dataclass(frozen=True)
class RunRow:
    name: str
    phase: AnalysisPhase
    kind: str
    message: str
    created: datetime | None

    @property
    def status(self) -> str:
        return f"{RUN_SYMBOLS[self.phase]} {self.phase.value}"


@dataclass(frozen=True)
class RevisionRow:
    revision: int
    replica_set: str
    status: str
    roles: tuple[str, ...]
    ready: int
    desired: int
    created: datetime | None
    scale_down_deadline: datetime | None
    runs: tuple[RunRow, ...] = ()
    pods: int = 0
    """Pods the platform last reported for this ReplicaSet (`ready` of them are ready)."""


@dataclass(frozen=True)
class Created:
    """When the rollout, each ReplicaSet and each analysis run first appeared in the history."""

    rollout: datetime | None = None
    replica_sets: dict[str, datetime] = field(default_factory=dict)
    runs: dict[str, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class RolloutView:
    name: str
    namespace: str
    phase: RolloutPhase | None
    message: str
    strategy: str
    step: str | None
    set_weight: str | None
    actual_weight: str | None
    images: tuple[tuple[str, tuple[str, ...]], ...]
    replicas: tuple[int, int, int, int, int]
    revisions: tuple[RevisionRow, ...]
    created: datetime | None
    unreadable: tuple[str, ...] = ()
    """Messages of the history that could not be decoded (skipped by the fold)."""
    pause: PauseLimitView | None = None
    """The maximum pause that applies while the rollout is paused (`adapters.cli.pause_view`)."""
    restart: str | None = None
    """The pod restart asked for and not done yet (`spec.restartAt`), with its progress."""

    @property
    def status(self) -> str:
        if self.phase is None:
            return "? Unknown"
        return f"{PHASE_SYMBOLS[self.phase]} {self.phase.value}"


def creation_times(events: Iterable[Event]) -> Created:
    rollout: datetime | None = None
    replica_sets: dict[str, datetime] = {}
    runs: dict[str, datetime] = {}
    for event in events:
        rollout = rollout or event.at
        if isinstance(event, ev.RevisionCreated):
            replica_sets.setdefault(event.pod_template_hash, event.at)
        elif isinstance(event, ev.AnalysisRunRequested):
            runs.setdefault(event.run_name, event.at)
    return Created(rollout=rollout, replica_sets=replica_sets, runs=runs)


def replica_set_status(rs: ReplicaSetState) -> str:
    if rs.desired == 0 and rs.replicas == 0:
        return "• ScaledDown"
    if rs.replicas == rs.desired and rs.available >= rs.desired:
        return "✔ Healthy"
    return "◌ Progressing"


def roles(state: RolloutState, rs: ReplicaSetState) -> tuple[str, ...]:
    found = []
    pod_hash = rs.pod_template_hash
    blue_green = state.spec is not None and state.spec.spec.strategy.blue_green is not None
    if pod_hash == state.stable_rs:
        found.append("stable")
    if not blue_green and pod_hash == state.current_pod_hash and not state.fully_promoted:
        found.append("canary")
    if blue_green:
        found.extend(
            role for role in ("active", "preview") if state.selectors.get(role) == pod_hash
        )
    return tuple(found)


def images(state: RolloutState) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each image of a ReplicaSet with a role, tagged with the roles (stable, canary...)."""
    tagged: dict[str, list[str]] = {}
    for rs in sorted(state.replica_sets.values(), key=lambda r: r.revision):
        rs_roles = roles(state, rs)
        if not rs_roles:
            continue
        for container in rs.template.get("spec", {}).get("containers", []):
            tags = tagged.setdefault(str(container.get("image", "?")), [])
            tags.extend(role for role in rs_roles if role not in tags)
    return tuple((image, tuple(tags)) for image, tags in tagged.items())


def _weights(state: RolloutState) -> tuple[str | None, str | None, str | None]:
    """(Step, SetWeight, ActualWeight) the way `kubectl argo rollouts get` shows them."""
    canary = state.spec.spec.strategy.canary if state.spec else None
    if canary is None:
        return None, None, None
    index = state.current_step_index
    step = f"{index}/{len(canary.steps)}" if index is not None and canary.steps else None
    set_weight = current_set_weight(state, aborted=state.abort)
    if state.current_step is None and not state.abort:
        actual: int | None = 100
    elif canary.traffic_routing is not None:
        actual = state.traffic.applied_canary
    else:
        total = available_replicas(state)
        new = state.new_rs
        actual = (new.available * 100) // total if new and total and not state.fully_promoted else 0
    return step, str(set_weight), None if actual is None else str(actual)


def _runs(state: RolloutState, revision: int, created: Created) -> tuple[RunRow, ...]:
    return tuple(
        RunRow(run.name, run.phase, run.kind.value, run.message, created.runs.get(run.name))
        for run in state.analysis_runs.values()
        if run.revision == revision
    )


def _revisions(state: RolloutState, created: Created) -> tuple[RevisionRow, ...]:
    """Newest revision first, each with its ReplicaSet and its analysis runs."""
    return tuple(
        RevisionRow(
            revision=rs.revision,
            replica_set=f"{state.name}-{rs.pod_template_hash}",
            status=replica_set_status(rs),
            roles=roles(state, rs),
            ready=rs.ready,
            desired=rs.desired,
            created=created.replica_sets.get(rs.pod_template_hash),
            scale_down_deadline=rs.scale_down_deadline,
            runs=_runs(state, rs.revision, created),
            pods=rs.replicas,
        )
        for rs in sorted(state.replica_sets.values(), key=lambda r: r.revision, reverse=True)
    )


def build_view(state: RolloutState, events: Iterable[Event] = ()) -> RolloutView:
    events = list(events)
    created = creation_times(events)
    phase = compute_phase(state)
    step, set_weight, actual_weight = _weights(state)
    blue_green = state.spec is not None and state.spec.spec.strategy.blue_green is not None
    return RolloutView(
        name=state.name,
        namespace=state.namespace,
        phase=phase.phase if phase else state.phase,
        message=phase.message if phase else state.message,
        strategy="BlueGreen" if blue_green else "Canary",
        step=step,
        set_weight=set_weight,
        actual_weight=actual_weight,
        images=images(state),
        replicas=(
            state.spec_replicas,
            total_replicas(state),
            updated_replicas(state),
            sum(rs.ready for rs in state.replica_sets.values()),
            available_replicas(state),
        ),
        revisions=_revisions(state, created),
        created=created.rollout,
        unreadable=tuple(e.describe() for e in events if isinstance(e, Unreadable)),
        pause=pause_limit_view(state, controller_default()),
        restart=restart_progress(state),
    )


def restart_progress(state: RolloutState) -> str | None:
    """Why the rollout says `rollout is restarting`, and how far it got: a restart shows in the
    phase alone otherwise, for minutes on a large ReplicaSet."""
    at = state.pending_restart
    if at is None:
        return None
    before = f"pods created before {at.strftime('%Y-%m-%dT%H:%M:%SZ')}"
    progress = state.restart
    if progress is None or progress.restart_at != at:
        return f"{before} are restarted from then on"
    return f"{before}: {progress.evicted} evicted so far"
