"""The state of one rollout: a fold of its events, mirroring Argo's `.status`.

State holds only what events said. Everything derivable (phase, the current step, desired
replica counts) is computed from it by pure functions, so two readers of the same history always
agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from events.pause_limit import PauseLimitExceeded
from events.phases import AnalysisRunKind, PauseReason, RolloutPhase
from events.pod_failures import PodFailuresRecorded
from rollouts.causes import cause_digest, has_digest
from rollouts.frozen import Frozen
from rollouts.run_state import AnalysisRunState
from rollouts.spec import CanaryStep, Rollout


class ReplicaSetState(Frozen):
    """One ReplicaSet: what we asked of it (`desired`) and what the platform reported."""

    pod_template_hash: str
    revision: int
    template: dict[str, Any]
    created_order: int
    desired: int = 0
    replicas: int = 0
    ready: int = 0
    available: int = 0
    observed_at: datetime | None = None
    scale_down_deadline: datetime | None = None


class PauseCondition(Frozen):
    reason: PauseReason
    start_time: datetime


class TrafficState(Frozen):
    """Last weights requested of the router and the last it reported holding.

    The router reports a weight, not the ReplicaSets behind it, so the hashes it holds are
    those of the last request it confirmed (`applied_*_hash`): until it confirms a request
    that moved traffic away from a ReplicaSet, that ReplicaSet may still be serving."""

    requested_canary: int | None = None
    canary_hash: str = ""
    stable_hash: str = ""
    applied_canary: int | None = None
    applied_canary_hash: str = ""
    applied_stable_hash: str = ""
    verified: bool | None = None

    @property
    def confirmed(self) -> bool:
        """The router reported holding exactly the last request."""
        return (
            self.requested_canary is not None
            and self.applied_canary == self.requested_canary
            and (self.applied_canary_hash, self.applied_stable_hash)
            == (self.canary_hash, self.stable_hash)
        )

    def holds(self, canary_weight: int) -> bool:
        """The router holds `canary_weight` for the requested canary. A weight of 0 sends the
        canary nothing whichever ReplicaSet is behind it, so no hash confirmation is needed."""
        if self.requested_canary != canary_weight or self.applied_canary != canary_weight:
            return False
        return canary_weight == 0 or self.confirmed

    def serving_hashes(self, max_weight: int) -> set[str]:
        """ReplicaSets the router may still send traffic to: requested or last confirmed."""
        hashes = set()
        if self.requested_canary is not None:
            hashes |= {self.canary_hash, self.stable_hash}
        applied = self.applied_canary
        if applied is not None:
            hashes |= {self.applied_canary_hash} if applied > 0 else set()
            hashes |= {self.applied_stable_hash} if applied < max_weight else set()
        return hashes - {""}


class RestartProgress(Frozen):
    """The pod restart being carried out (`rollouts.evolve_restart`): which `spec.restartAt`,
    the latest pod check asked for (`round`, `checked_at`), whether a ReplicaSet changed since
    (`recheck`: time to look again), how many pods were evicted so far, and the latest batch
    asked for (its round, and how many old pods were left when it was chosen)."""

    restart_at: datetime
    round: int
    checked_at: datetime
    recheck: bool = False
    evicted: int = 0
    batch_round: int = 0
    batch_to_restart: int = 0


class RolloutState(Frozen):
    namespace: str
    name: str
    version: int = 0
    spec: Rollout | None = None
    generation: int = 0
    replica_sets: dict[str, ReplicaSetState] = {}
    next_created_order: int = 0
    revision: int = 0
    current_pod_hash: str | None = None
    new_rs_within_delay: bool = False
    stable_rs: str | None = None
    current_step_index: int | None = None
    current_step_hash: str = ""
    pause_conditions: tuple[PauseCondition, ...] = ()
    controller_pause: bool = False
    manually_paused: bool = False
    abort: bool = False
    aborted_at: datetime | None = None
    abort_message: str = ""
    promote_full: bool = False
    traffic: TrafficState = TrafficState()
    managed_routes: tuple[str, ...] = ()
    selectors: dict[str, str] = {}
    analysis_runs: dict[str, AnalysisRunState] = {}
    current_runs: dict[AnalysisRunKind, str] = {}
    scale_up_preview_checkpoint: bool = False
    last_progress_at: datetime | None = None
    deadline_exceeded: bool = False
    deadline_message: str = ""
    phase: RolloutPhase | None = None
    phase_reason: str = ""
    message: str = ""
    recent_causes: str = ""
    """Digests of the last RECENT_CAUSES causes, `CAUSE_DIGEST` hex digits each, oldest first
    (`remember`, `remembers`): an input id is 36 characters and a status report's cause near
    a hundred, and ten thousand states kept 64 of them each."""
    paused_since: datetime | None = None
    """When the rollout last became paused, while it stays paused (`rollouts.evolve_pause`)."""
    pause_overrun: PauseLimitExceeded | None = None
    """The last time a pause outlived its limit; it concerns the current pause only while its
    `paused_since` is the state's."""
    restarted_at: datetime | None = None
    """Argo's status.restartedAt: the last `spec.restartAt` honoured (or cancelled)."""
    restart: RestartProgress | None = None
    """The restart in progress, once its first pod check was asked for."""
    deleted_at: datetime | None = None
    """When the rollout's latest life ended (`RolloutDeleted`, `rollouts.evolve_deletion`)."""
    lives_ended: int = 0
    """How many lives of this name ended: the current one is number `lives_ended + 1`."""
    pod_failures: PodFailuresRecorded | None = None
    """The stuck pods last reported; they concern the new ReplicaSet only while its hash is
    theirs (`rollouts.decide.pod_failures`)."""

    # Queries used throughout the domain. They read state only; none of them decides.

    def remembers(self, cause: str) -> bool:
        """`cause` is among the recent ones: an input redelivered, already decided."""
        return has_digest(self.recent_causes, cause_digest(cause))

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def new_rs(self) -> ReplicaSetState | None:
        return self.replica_sets.get(self.current_pod_hash or "")

    @property
    def stable(self) -> ReplicaSetState | None:
        return self.replica_sets.get(self.stable_rs or "")

    @property
    def others(self) -> list[ReplicaSetState]:
        keep = {self.current_pod_hash, self.stable_rs}
        return [rs for rs in self.replica_sets.values() if rs.pod_template_hash not in keep]

    @property
    def pending_restart(self) -> datetime | None:
        """`spec.restartAt` while it differs from `status.restartedAt` (Argo's phase rule: the
        rollout is restarting, even before that time comes)."""
        at = self.spec.spec.restart_at if self.spec else None
        return at if at is not None and at != self.restarted_at else None

    @property
    def deleted(self) -> bool:
        """Its life ended and the name was not applied again: nothing is decided for it."""
        return self.deleted_at is not None and self.spec is None

    @property
    def fully_promoted(self) -> bool:
        return self.current_pod_hash is not None and self.current_pod_hash == self.stable_rs

    @property
    def steps(self) -> tuple[CanaryStep, ...]:
        canary = self.spec.spec.strategy.canary if self.spec else None
        return canary.steps if canary else ()

    @property
    def current_step(self) -> CanaryStep | None:
        index = self.current_step_index
        if index is None or index >= len(self.steps):
            return None
        return self.steps[index]

    @property
    def spec_replicas(self) -> int:
        return self.spec.spec.replicas if self.spec else 0

    def pause_condition(self, reason: PauseReason) -> PauseCondition | None:
        return next((c for c in self.pause_conditions if c.reason is reason), None)

    def run(self, kind: AnalysisRunKind) -> AnalysisRunState | None:
        """The current run of a kind (Argo's status.canary.currentStepAnalysisRunStatus...)."""
        name = self.current_runs.get(kind)
        return self.analysis_runs.get(name) if name else None


def initial_state(namespace: str, name: str) -> RolloutState:
    return RolloutState(namespace=namespace, name=name)
