"""Traffic-routed canary targets, ported from Argo's utils/replicaset/canary_test.go."""

from __future__ import annotations

import pytest

from rollouts.replicas import (
    CanaryScale,
    TrafficWeights,
    dynamic_abort_weight,
    effective_canary_scale,
    min_pods_floor,
    traffic_routed_canary_targets,
)

CALC = "TestCalculateReplicaCountsForCanary"


@pytest.mark.parametrize(
    ("replicas", "weight", "scale", "min_pods", "expected"),
    [
        pytest.param(
            10, 10, None, None, (1, 10), id="TestCalculateReplicaCountsForCanaryTrafficRouting"
        ),
        pytest.param(
            1,
            100,
            CanaryScale(replicas=9),
            None,
            (9, 1),
            id=f"{CALC}: setCanaryScale.replicas wins",
        ),
        pytest.param(
            4, 100, CanaryScale(weight=200), None, (8, 4), id=f"{CALC}: setCanaryScale.weight wins"
        ),
        pytest.param(10, 20, None, None, (2, 10), id=f"{CALC}: matchTrafficWeight means no scale"),
        pytest.param(
            10, 5, None, 2, (2, 10), id=f"{CALC}: MinPodsPerReplicaSet when starting canary"
        ),
        pytest.param(
            1, 100, None, 2, (1, 1), id=f"{CALC}: MinPodsPerReplicaSet capped at replicas"
        ),
        pytest.param(10, 0, None, 2, (0, 10), id="min pods never lifts an empty canary"),
        pytest.param(
            10, 30, CanaryScale(replicas=2, weight=90), None, (2, 10), id="replicas beat weight"
        ),
        pytest.param(
            10, 30, CanaryScale(), None, (3, 10), id="empty setCanaryScale falls back to weight"
        ),
        pytest.param(
            10, 5, CanaryScale(replicas=1), 3, (1, 10), id="explicit replicas skip min pods"
        ),
    ],
)
def test_traffic_routed_targets_keep_stable_full(
    replicas: int,
    weight: int,
    scale: CanaryScale | None,
    min_pods: int | None,
    expected: tuple[int, int],
) -> None:
    got = traffic_routed_canary_targets(
        replicas, weight, canary_scale=scale, min_pods_per_replica_set=min_pods
    )
    assert got == expected


@pytest.mark.parametrize(
    ("delay", "expected"),
    [
        pytest.param(0, (1, 1), id=f"{CALC}: aborted, abortScaleDownDelaySeconds 0 keeps scale"),
        pytest.param(30, (0, 1), id=f"{CALC}: aborted, abortScaleDownDelaySeconds 30 drops scale"),
        pytest.param(None, (0, 1), id="aborted, default delay drops scale"),
    ],
)
def test_abort_with_set_canary_scale(delay: int | None, expected: tuple[int, int]) -> None:
    scale = effective_canary_scale(
        CanaryScale(replicas=1), aborted=True, abort_scale_down_delay_seconds=delay
    )
    # an aborted rollout's current setWeight is 0 (GetCurrentSetWeight)
    assert traffic_routed_canary_targets(1, 0, canary_scale=scale, aborted=True) == expected


def test_set_canary_scale_is_kept_when_not_aborted() -> None:
    scale = CanaryScale(weight=40)
    assert effective_canary_scale(scale, aborted=False, abort_scale_down_delay_seconds=30) is scale


DYN = "TestCalculateReplicaCountsForCanaryTrafficRoutingDynamicScale"


@pytest.mark.parametrize(
    ("weight", "applied", "aborted", "expected"),
    [
        # steps [20, 60]; the abort weight is 20 (see test_dynamic_abort_weight)
        pytest.param(
            20, (60, 40), True, (6, 8), id=f"{DYN}: stable up by next canary step on abort"
        ),
        pytest.param(0, (60, 40), True, (6, 10), id=f"{DYN}: no RSs on abort, as if canary gone"),
        pytest.param(10, (10, 90), False, (1, 9), id=f"{DYN}: should scale down stable"),
        pytest.param(20, (10, 90), False, (2, 9), id=f"{DYN}: desired canary above applied"),
        pytest.param(0, (20, 80), True, (2, 10), id=f"{DYN}: canary kept while it has traffic"),
        pytest.param(0, (10, 90), True, (1, 10), id=f"{DYN}: canary reduced with its traffic"),
        pytest.param(
            0,
            (10, 90),
            True,
            (1, 10),
            id="TestGetDesiredCanaryWeightOnAbortWithScaleDownDelay: stable full at 0",
        ),
        pytest.param(30, None, False, (3, 7), id="no applied weights yet: pure split"),
        pytest.param(30, (0, 100), False, (3, 10), id="stable keeps pods for its applied traffic"),
    ],
)
def test_dynamic_stable_scale(
    weight: int,
    applied: tuple[int, int] | None,
    aborted: bool,
    expected: tuple[int, int],
) -> None:
    weights = None if applied is None else TrafficWeights(canary=applied[0], stable=applied[1])
    got = traffic_routed_canary_targets(
        10, weight, dynamic_stable_scale=True, applied_weights=weights, aborted=aborted
    )
    assert got == expected


def test_dynamic_stable_scale_applies_min_pods_to_both_sides() -> None:
    got = traffic_routed_canary_targets(
        10,
        95,
        dynamic_stable_scale=True,
        min_pods_per_replica_set=3,
        applied_weights=TrafficWeights(canary=95, stable=5),
    )
    assert got == (10, 3)


def test_dynamic_stable_scale_with_explicit_replicas_keeps_stable_full() -> None:
    """setCanaryScale.replicas sets the weight used for stable to 0 (Argo quirk)."""
    got = traffic_routed_canary_targets(
        10, 50, canary_scale=CanaryScale(replicas=4), dynamic_stable_scale=True
    )
    assert got == (4, 10)


@pytest.mark.parametrize(
    ("steps", "canary_available", "stable_available", "delay", "expected"),
    [
        pytest.param([20, 60], 6, 4, None, 20, id=f"{DYN}: next canary downscale step"),
        pytest.param([20, 60], 1, 4, None, 20, id=f"{DYN}: fewer canaries than expected"),
        pytest.param([20, 60], 2, 4, None, 20, id=f"{DYN}: by available stable"),
        pytest.param(
            [10, 50],
            5,
            9,
            None,
            10,
            id="TestGetDesiredCanaryWeightOnAbortWithScaleDownDelay: no explicit delay",
        ),
        pytest.param(
            [10, 50],
            5,
            5,
            30,
            10,
            id="TestGetDesiredCanaryWeightOnAbortWithScaleDownDelay: explicit delay, stepping",
        ),
        pytest.param(
            [10, 50],
            5,
            9,
            30,
            0,
            id="TestGetDesiredCanaryWeightOnAbortWithScaleDownDelay: explicit delay, deadlock case",
        ),
        pytest.param(
            [10, 50],
            5,
            9,
            0,
            10,
            id="TestGetDesiredCanaryWeightOnAbortWithScaleDownDelay: zero delay",
        ),
        pytest.param([], 5, 0, None, 0, id="no setWeight steps: straight to 0"),
        pytest.param([10, 50], 0, 10, None, 0, id="stable covers everything: 0"),
    ],
)
def test_dynamic_abort_weight(
    steps: list[int], canary_available: int, stable_available: int, delay: int | None, expected: int
) -> None:
    got = dynamic_abort_weight(
        10,
        steps,
        canary_available=canary_available,
        stable_available=stable_available,
        abort_scale_down_delay_seconds=delay,
    )
    assert got == expected


@pytest.mark.parametrize(
    ("count", "min_pods", "replicas", "expected"),
    [(0, 5, 10, 0), (1, None, 10, 1), (1, 3, 10, 3), (4, 3, 10, 4), (1, 20, 10, 10)],
)
def test_min_pods_floor(count: int, min_pods: int | None, replicas: int, expected: int) -> None:
    assert min_pods_floor(count, min_pods, replicas) == expected
