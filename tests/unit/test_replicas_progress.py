"""Step-completion checks: replicaProgressThreshold and "at desired counts"."""

from __future__ import annotations

import pytest

from rollouts.replicas import (
    ProgressThreshold,
    ReplicaSetCounts,
    SplitTargets,
    all_desired_available,
    at_desired_replica_counts_for_canary,
    basic_canary_targets,
    replica_progress_threshold_met,
)

MET = "TestAllReplicaProgressThresholdMet"


def _rs(replicas: int, available: int, actual: int | None = None) -> ReplicaSetCounts:
    return ReplicaSetCounts(replicas=replicas, available=available, actual=actual)


@pytest.mark.parametrize(
    ("threshold", "rs", "desired", "expected"),
    [
        pytest.param(
            ProgressThreshold(type="Percent", value=90),
            _rs(0, 9),
            10,
            True,
            id=f"{MET}: 90% passes",
        ),
        pytest.param(
            ProgressThreshold(type="Pods", value=9), _rs(0, 9), 10, True, id=f"{MET}: 9 pods pass"
        ),
        pytest.param(
            ProgressThreshold(type="Percent", value=90),
            _rs(0, 8),
            10,
            False,
            id=f"{MET}: 80% fails 90%",
        ),
        pytest.param(
            ProgressThreshold(type="Pods", value=8),
            _rs(0, 7),
            10,
            False,
            id=f"{MET}: 7 pods fail 8",
        ),
        pytest.param(
            ProgressThreshold(type="Pods", value=-100),
            _rs(10, 10),
            10,
            True,
            id=f"{MET}: negative means 100%",
        ),
        pytest.param(None, _rs(5, 10), 10, False, id=f"{MET}: nil needs desired spec too"),
        pytest.param(
            ProgressThreshold(type="Pods", value=5),
            None,
            10,
            False,
            id=f"{MET}: nil RS never meets",
        ),
        pytest.param(
            ProgressThreshold(type="Percent", value=100),
            _rs(0, 100),
            10,
            True,
            id=f"{MET}: well above",
        ),
        pytest.param(
            ProgressThreshold(type="Percent", value=90),
            _rs(0, 0),
            0,
            True,
            id=f"{MET}: nothing desired",
        ),
        pytest.param(
            ProgressThreshold(type="Percent", value=70),
            _rs(0, 7),
            10,
            True,
            id="70% of 10 is exactly 7 (float)",
        ),
        pytest.param(
            ProgressThreshold(type="Pods", value=1),
            _rs(0, 0),
            0,
            False,
            id="pods type has no desired==0 shortcut",
        ),
        pytest.param(None, _rs(10, 10), 10, True, id="nil and fully available"),
    ],
)
def test_replica_progress_threshold_met(
    threshold: ProgressThreshold | None, rs: ReplicaSetCounts | None, desired: int, expected: bool
) -> None:
    assert replica_progress_threshold_met(threshold, rs, desired) is expected


@pytest.mark.parametrize(
    ("rs", "desired", "expected"),
    [
        pytest.param(_rs(10, 10), 10, True, id="TestAllDesiredAreAvailable: all available"),
        pytest.param(_rs(10, 9), 10, False, id="TestAllDesiredAreAvailable: one missing"),
        pytest.param(None, 10, False, id="TestAllDesiredAreAvailable: nil RS"),
        pytest.param(_rs(1, 10), 10, False, id="spec differs from desired"),
    ],
)
def test_all_desired_available(rs: ReplicaSetCounts | None, desired: int, expected: bool) -> None:
    assert all_desired_available(rs, desired) is expected


AT = "TestAtDesiredReplicaCountsForCanary"


@pytest.mark.parametrize(
    ("weight", "new_rs", "stable_rs", "expected"),
    [
        pytest.param(
            50, _rs(2, 2, 2), _rs(2, 2, 2), True, id=f"{AT}: at desired counts and availability"
        ),
        pytest.param(50, _rs(2, 1, 2), _rs(2, 2, 2), False, id=f"{AT}: new RS not available"),
        pytest.param(
            75, _rs(3, 3, 3), _rs(2, 2, 2), False, id=f"{AT}: stable not at desired count"
        ),
        pytest.param(
            75,
            _rs(3, 3, 1),
            _rs(1, 0, 1),
            True,
            id=f"{AT}: stable count right, availability ignored",
        ),
        pytest.param(50, _rs(2, 2, 2), _rs(2, 2, 3), False, id=f"{AT}: stable status lags spec"),
    ],
)
def test_at_desired_counts_basic_canary(
    weight: int, new_rs: ReplicaSetCounts, stable_rs: ReplicaSetCounts, expected: bool
) -> None:
    """Argo's cases: 4 replicas, maxSurge 1, maxUnavailable 1, no traffic router."""
    targets = basic_canary_targets(
        4, weight, max_surge=1, max_unavailable=1, new_rs=new_rs, stable_rs=stable_rs
    )
    got = at_desired_replica_counts_for_canary(
        targets, new_rs=new_rs, stable_rs=stable_rs, traffic_routed=False
    )
    assert got is expected


def test_basic_canary_waits_for_older_pods_to_go() -> None:
    done, older = _rs(2, 2), (_rs(0, 1),)
    targets = SplitTargets(2, 2)
    basic = at_desired_replica_counts_for_canary(
        targets, new_rs=done, stable_rs=done, older=older, traffic_routed=False
    )
    routed = at_desired_replica_counts_for_canary(
        targets, new_rs=done, stable_rs=done, older=older, traffic_routed=True
    )
    assert (basic, routed) == (False, True)


@pytest.mark.parametrize(("dynamic", "expected"), [(False, False), (True, True)])
def test_dynamic_stable_scale_does_not_wait_for_stable(dynamic: bool, expected: bool) -> None:
    got = at_desired_replica_counts_for_canary(
        SplitTargets(3, 7),
        new_rs=_rs(3, 3),
        stable_rs=_rs(10, 10),
        traffic_routed=True,
        dynamic_stable_scale=dynamic,
    )
    assert got is expected


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [(None, False), (ProgressThreshold(type="Percent", value=70), True)],
)
def test_threshold_lets_a_partially_available_canary_through(
    threshold: ProgressThreshold | None, expected: bool
) -> None:
    got = at_desired_replica_counts_for_canary(
        SplitTargets(10, 10),
        new_rs=_rs(10, 7),
        stable_rs=_rs(10, 10),
        threshold=threshold,
        traffic_routed=True,
    )
    assert got is expected
