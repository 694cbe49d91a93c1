"""The Rollout resource (argo-semantics §1.1)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from rollouts.spec.base import (
    API_VERSION,
    LabelSelector,
    ObjectMeta,
    PodMetadata,
    SpecModel,
)
from rollouts.spec.restart_at import RestartTime
from rollouts.spec.strategies import RolloutStrategy
from rollouts.spec.workload_ref import WorkloadRef


class PodTemplateSpec(SpecModel):
    metadata: PodMetadata = PodMetadata()
    # A Kubernetes PodSpec, kept as data: the controller copies it onto ReplicaSets untouched.
    # Validation checks what Argo's would reject (containers, names, resource quantities).
    spec: dict[str, Any] = {}

    @property
    def containers(self) -> tuple[dict[str, Any], ...]:
        containers = self.spec.get("containers") or ()
        return tuple(c for c in containers if isinstance(c, dict))


class RollbackWindow(SpecModel):
    revisions: int = 0


class AnalysisRunStrategy(SpecModel):
    successful_run_history_limit: int = 5
    unsuccessful_run_history_limit: int = 5


class RolloutSpec(SpecModel):
    replicas: int = 1
    selector: LabelSelector | None = None
    template: PodTemplateSpec | None = None
    min_ready_seconds: int = 0
    revision_history_limit: int = 10
    progress_deadline_seconds: int = 600
    progress_deadline_abort: bool = False
    paused: bool = False
    rollback_window: RollbackWindow | None = None
    analysis: AnalysisRunStrategy | None = None
    strategy: RolloutStrategy = RolloutStrategy()
    workload_ref: WorkloadRef | None = None
    restart_at: RestartTime | None = None


class Rollout(SpecModel):
    api_version: Literal["argoproj.io/v1alpha1"] = API_VERSION
    kind: Literal["Rollout"] = "Rollout"
    metadata: ObjectMeta
    spec: RolloutSpec
    # Present when a manifest was exported from a cluster; the controller owns status itself.
    status: dict[str, Any] | None = Field(default=None, exclude=True, repr=False)

    @property
    def name(self) -> str:
        return self.metadata.name
