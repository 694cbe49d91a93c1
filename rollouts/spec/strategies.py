"""The two rollout strategies, canary (argo-semantics §1.2) and blue-green (§1.3)."""

from __future__ import annotations

from typing import Any, Literal

from rollouts.spec.analysis_refs import BackgroundAnalysis, RolloutAnalysis
from rollouts.spec.base import (
    IntOrString,
    PodMetadata,
    SpecModel,
    Unsupported,
    unsupported_field,
)
from rollouts.spec.steps import CanaryStep
from rollouts.spec.traffic import TrafficRouting

DEFAULT_SCALE_DOWN_DELAY_SECONDS = 30
DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS = 30


class ReplicaProgressThreshold(SpecModel):
    type: Literal["Percent", "Pods"]
    value: int


class CanaryStrategy(SpecModel):
    steps: tuple[CanaryStep, ...] = ()
    max_surge: IntOrString = "25%"
    max_unavailable: IntOrString = "25%"
    canary_service: str = ""
    stable_service: str = ""
    traffic_routing: TrafficRouting | None = None
    analysis: BackgroundAnalysis | None = None
    canary_metadata: PodMetadata | None = None
    stable_metadata: PodMetadata | None = None
    scale_down_delay_seconds: int | None = None
    scale_down_delay_revision_limit: int | None = None
    abort_scale_down_delay_seconds: int | None = None
    dynamic_stable_scale: bool = False
    min_pods_per_replica_set: int | None = None
    replica_progress_threshold: ReplicaProgressThreshold | None = None
    anti_affinity: dict[str, Any] | None = None
    ping_pong: Unsupported = unsupported_field()

    @property
    def effective_scale_down_delay_seconds(self) -> int | None:
        """Delay before the old stable ReplicaSet is scaled down; None without traffic routing
        (a basic canary scales the old stable down as part of the rolling replica maths)."""
        if self.traffic_routing is None:
            return None
        if self.scale_down_delay_seconds is None:
            return DEFAULT_SCALE_DOWN_DELAY_SECONDS
        return self.scale_down_delay_seconds

    @property
    def effective_abort_scale_down_delay_seconds(self) -> int | None:
        """Delay before an aborted canary is scaled down; 0 means never. None without traffic
        routing, where Argo ignores the field and scales the canary back in rolling fashion."""
        if self.traffic_routing is None:
            return None
        if self.abort_scale_down_delay_seconds is None:
            return DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS
        return self.abort_scale_down_delay_seconds


class BlueGreenStrategy(SpecModel):
    active_service: str = ""
    preview_service: str = ""
    auto_promotion_enabled: bool = True
    auto_promotion_seconds: int = 0
    scale_down_delay_seconds: int | None = None
    scale_down_delay_revision_limit: int | None = None
    pre_promotion_analysis: RolloutAnalysis | None = None
    post_promotion_analysis: RolloutAnalysis | None = None
    preview_replica_count: int | None = None
    abort_scale_down_delay_seconds: int | None = None
    max_unavailable: IntOrString = "25%"
    preview_metadata: PodMetadata | None = None
    active_metadata: PodMetadata | None = None
    anti_affinity: dict[str, Any] | None = None

    @property
    def effective_scale_down_delay_seconds(self) -> int:
        if self.scale_down_delay_seconds is None:
            return DEFAULT_SCALE_DOWN_DELAY_SECONDS
        return self.scale_down_delay_seconds

    @property
    def effective_abort_scale_down_delay_seconds(self) -> int:
        """0 means the preview ReplicaSet is never scaled down after an abort."""
        if self.abort_scale_down_delay_seconds is None:
            return DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS
        return self.abort_scale_down_delay_seconds


class RolloutStrategy(SpecModel):
    canary: CanaryStrategy | None = None
    blue_green: BlueGreenStrategy | None = None
