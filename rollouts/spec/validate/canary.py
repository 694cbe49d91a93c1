"""Canary strategy checks (Argo's ValidateRolloutStrategyCanary, minus unsupported routers)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rollouts.spec.problems import ProblemList, join_path
from rollouts.spec.strategies import CanaryStrategy
from rollouts.spec.validate.common import (
    check_anti_affinity,
    check_nonnegative,
    check_rollout_analysis,
    int_or_percent,
)
from rollouts.spec.validate.steps import check_steps
from rollouts.spec.validate.traffic import check_traffic_routing

if TYPE_CHECKING:
    from rollouts.spec.rollout import RolloutSpec

BOTH_ZERO = "MaxSurge and MaxUnavailable both can not be zero"
DUPLICATED_SERVICES_CANARY = (
    "This rollout uses the same service for the stable and canary services, "
    "but two different services are required."
)
SCALE_DOWN_DELAY_NEEDS_ROUTING = (
    "Canary scaleDownDelaySeconds can only be used with traffic routing"
)
DYNAMIC_STABLE_SCALE_NEEDS_ROUTING = (
    "Canary dynamicStableScale can only be used with traffic routing"
)
DYNAMIC_STABLE_SCALE_WITH_DELAY = (
    "Canary dynamicStableScale cannot be used with scaleDownDelaySeconds"
)
SCALE_DOWN_LIMIT_OVER_REVISION_LIMIT = (
    "This rollout's revision history limit can not be smaller than the rollout's scale down limit"
)


def check_canary(
    canary: CanaryStrategy, spec: RolloutSpec, path: str, problems: ProblemList
) -> None:
    _check_surge(canary, path, problems)
    if canary.canary_service and canary.canary_service == canary.stable_service:
        problems.error(join_path(path, "stableService"), DUPLICATED_SERVICES_CANARY)
    _check_delays(canary, spec, path, problems)
    check_traffic_routing(canary, path, problems)
    check_steps(canary, path, problems)
    if canary.analysis is not None:
        where = join_path(path, "analysis")
        check_rollout_analysis(canary.analysis, where, problems)
        start = canary.analysis.starting_step
        if start < 0 or (start > 0 and start >= len(canary.steps)):
            problems.error(
                join_path(where, "startingStep"),
                f"must be a step index between 0 and {max(len(canary.steps) - 1, 0)}, got {start}",
            )
    _check_progress_threshold(canary, path, problems)
    check_anti_affinity(canary.anti_affinity, join_path(path, "antiAffinity"), problems)


def _check_surge(canary: CanaryStrategy, path: str, problems: ProblemList) -> None:
    surge = int_or_percent(canary.max_surge, join_path(path, "maxSurge"), problems)
    unavailable = int_or_percent(
        canary.max_unavailable, join_path(path, "maxUnavailable"), problems
    )
    if surge == 0 and unavailable == 0:
        problems.error(join_path(path, "maxSurge"), BOTH_ZERO)
    if isinstance(canary.max_unavailable, str) and unavailable is not None and unavailable > 100:
        problems.error(join_path(path, "maxUnavailable"), "must not be greater than 100%")


def _check_delays(
    canary: CanaryStrategy, spec: RolloutSpec, path: str, problems: ProblemList
) -> None:
    for field, value in (
        ("scaleDownDelaySeconds", canary.scale_down_delay_seconds),
        ("abortScaleDownDelaySeconds", canary.abort_scale_down_delay_seconds),
        ("scaleDownDelayRevisionLimit", canary.scale_down_delay_revision_limit),
        ("minPodsPerReplicaSet", canary.min_pods_per_replica_set),
    ):
        check_nonnegative(value, join_path(path, field), problems)
    limit = canary.scale_down_delay_revision_limit
    if limit is not None and spec.revision_history_limit < limit:
        problems.error(
            join_path(path, "scaleDownDelayRevisionLimit"), SCALE_DOWN_LIMIT_OVER_REVISION_LIMIT
        )
    if canary.traffic_routing is not None:
        if canary.scale_down_delay_seconds is not None and canary.dynamic_stable_scale:
            problems.error(join_path(path, "dynamicStableScale"), DYNAMIC_STABLE_SCALE_WITH_DELAY)
        return
    if canary.scale_down_delay_seconds is not None:
        problems.error(join_path(path, "scaleDownDelaySeconds"), SCALE_DOWN_DELAY_NEEDS_ROUTING)
    if canary.dynamic_stable_scale:
        problems.error(join_path(path, "dynamicStableScale"), DYNAMIC_STABLE_SCALE_NEEDS_ROUTING)
    for field, value in (
        ("abortScaleDownDelaySeconds", canary.abort_scale_down_delay_seconds),
        ("minPodsPerReplicaSet", canary.min_pods_per_replica_set),
    ):
        if value is not None:
            problems.warning(
                join_path(path, field),
                "has no effect without trafficRouting (a basic canary scales replicas instead)",
            )


def _check_progress_threshold(canary: CanaryStrategy, path: str, problems: ProblemList) -> None:
    threshold = canary.replica_progress_threshold
    if threshold is None:
        return
    where = join_path(path, "replicaProgressThreshold", "value")
    check_nonnegative(threshold.value, where, problems)
    if threshold.type == "Percent" and threshold.value > 100:
        problems.error(where, "a Percent threshold must be between 0 and 100")
