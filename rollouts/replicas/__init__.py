"""Argo Rollouts' replica arithmetic, as pure functions of plain numbers.

Everything here answers "how many pods should each ReplicaSet have, and are we there yet?"
for canary (basic and traffic-routed) and blue-green, matching Argo's
utils/replicaset package. Inputs are small frozen models, never the spec models, so callers
decide which spec and status values apply (defaults, promotions, aborts).
"""

from __future__ import annotations

from rollouts.replicas.basic_canary import (
    basic_canary_targets,
    drain_older_for_basic_canary,
    older_scale_down_budget,
    replicas_for_scale_down,
)
from rollouts.replicas.bluegreen import (
    bluegreen_new_rs_replicas,
    is_saturated,
    next_scale_up_preview_checkpoint,
    preview_saturated,
    ready_for_pause,
)
from rollouts.replicas.fenceposts import (
    DEFAULT_MAX_SURGE,
    DEFAULT_MAX_UNAVAILABLE,
    IntOrPercent,
    bluegreen_max_unavailable,
    canary_fenceposts,
    resolve_fenceposts,
    resolve_int_or_percent,
)
from rollouts.replicas.models import (
    CanaryScale,
    Fenceposts,
    ProgressThreshold,
    ReplicaSetCounts,
    SplitTargets,
    TrafficWeights,
)
from rollouts.replicas.progress import (
    all_desired_available,
    all_desired_created,
    at_desired_replica_counts_for_canary,
    replica_progress_threshold_met,
)
from rollouts.replicas.traffic_routed import (
    dynamic_abort_weight,
    effective_canary_scale,
    min_pods_floor,
    traffic_routed_canary_targets,
)
from rollouts.replicas.weighted import (
    approximate_weighted_canary_stable,
    traffic_weight_to_replicas,
)

__all__ = [
    "DEFAULT_MAX_SURGE",
    "DEFAULT_MAX_UNAVAILABLE",
    "CanaryScale",
    "Fenceposts",
    "IntOrPercent",
    "ProgressThreshold",
    "ReplicaSetCounts",
    "SplitTargets",
    "TrafficWeights",
    "all_desired_available",
    "all_desired_created",
    "approximate_weighted_canary_stable",
    "at_desired_replica_counts_for_canary",
    "basic_canary_targets",
    "bluegreen_max_unavailable",
    "bluegreen_new_rs_replicas",
    "canary_fenceposts",
    "drain_older_for_basic_canary",
    "dynamic_abort_weight",
    "effective_canary_scale",
    "is_saturated",
    "min_pods_floor",
    "next_scale_up_preview_checkpoint",
    "older_scale_down_budget",
    "preview_saturated",
    "ready_for_pause",
    "replica_progress_threshold_met",
    "replicas_for_scale_down",
    "resolve_fenceposts",
    "resolve_int_or_percent",
    "traffic_routed_canary_targets",
    "traffic_weight_to_replicas",
]
