"""Basic-canary replica targets, ported from Argo's canary_test.go and rollout/canary_test.go.

Each id names the Go test (TestCalculateReplicaCountsForCanary unless stated) and its case.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest

from rollouts.replicas import (
    IntOrPercent,
    ReplicaSetCounts,
    basic_canary_targets,
    canary_fenceposts,
    drain_older_for_basic_canary,
    older_scale_down_budget,
    replicas_for_scale_down,
)


class Case(NamedTuple):
    replicas: int
    weight: int
    surge: IntOrPercent
    unavailable: IntOrPercent
    stable: tuple[int, int]  # (spec.replicas, available)
    canary: tuple[int, int]
    expected: tuple[int, int]  # (canary, stable)
    older: tuple[int, int] | None = None


CALC = "TestCalculateReplicaCountsForCanary"

CASES = [
    pytest.param(
        Case(10, 100, 3, 0, (7, 8), (6, 3), (6, 7)), id=f"{CALC}: spec<available not counted"
    ),
    pytest.param(
        Case(10, 20, 2, 0, (10, 10), (0, 0), (2, 10)), id=f"{CALC}: max surge int scales up canary"
    ),
    pytest.param(
        Case(10, 20, "20%", 0, (10, 10), (0, 0), (2, 10)),
        id=f"{CALC}: max surge pct scales up canary",
    ),
    pytest.param(
        Case(10, 20, "20%", 0, (10, 10), (2, 2), (2, 8)), id=f"{CALC}: scale down extra stable"
    ),
    pytest.param(
        Case(10, 30, 2, 0, (10, 10), (0, 0), (2, 10)), id=f"{CALC}: do not go past max surge"
    ),
    pytest.param(
        Case(10, 20, 0, 2, (10, 10), (0, 0), (0, 8)),
        id=f"{CALC}: max unavailable int scales down stable",
    ),
    pytest.param(
        Case(10, 20, 0, "20%", (10, 10), (0, 0), (0, 8)),
        id=f"{CALC}: max unavailable pct scales down stable",
    ),
    pytest.param(
        Case(10, 30, 0, 2, (10, 10), (0, 0), (0, 8)), id=f"{CALC}: do not go past max unavailable"
    ),
    pytest.param(
        Case(10, 50, 2, 1, (10, 10), (0, 0), (2, 9)), id=f"{CALC}: max surge and max unavailable"
    ),
    pytest.param(
        Case(10, 0, 1, 1, (10, 10), (1, 1), (0, 10)), id=f"{CALC}: canary to zero at weight 0"
    ),
    pytest.param(
        Case(10, 100, 1, 1, (1, 1), (10, 10), (10, 0)), id=f"{CALC}: stable to zero at weight 100"
    ),
    pytest.param(
        Case(1, 20, 1, 0, (1, 1), (0, 0), (1, 1)), id=f"{CALC}: canary not zero on non-zero weight"
    ),
    pytest.param(
        Case(1, 90, 1, 0, (1, 1), (0, 0), (1, 1)), id=f"{CALC}: canary not zero on non-100 weight"
    ),
    pytest.param(
        Case(1, 49, 0, 1, (1, 1), (0, 0), (0, 1)), id=f"{CALC}: canary zero under 50 without surge"
    ),
    pytest.param(
        Case(1, 51, 0, 1, (1, 1), (0, 0), (0, 0)),
        id=f"{CALC}: stable down to zero from 50 without surge",
    ),
    pytest.param(
        Case(1, 51, 0, 1, (0, 0), (0, 0), (1, 0)), id=f"{CALC}: canary to one once stable is gone"
    ),
    pytest.param(
        Case(10, 30, 1, 0, (1, 1), (0, 0), (1, 7), older=(3, 3)),
        id=f"{CALC}: stable scaled up before canary",
    ),
    pytest.param(
        Case(10, 30, 0, 3, (8, 5), (4, 4), (3, 7)), id=f"{CALC}: scale down canary and stable"
    ),
    pytest.param(
        Case(10, 100, 1, 0, (10, 2), (10, 8), (9, 2)),
        id=f"{CALC}: scale down stable and canary available",
    ),
    pytest.param(
        Case(10, 30, 0, 1, (8, 6), (4, 2), (4, 8), older=(3, 3)),
        id=f"{CALC}: older RS drained first",
    ),
    pytest.param(
        Case(10, 5, 0, 1, (10, 10), (0, 0), (0, 9)),
        id=f"{CALC}: uneven weight does not round past surge",
    ),
    pytest.param(
        Case(10, 5, 0, 1, (9, 9), (0, 0), (1, 9)),
        id=f"{CALC}: uneven weight does not round past surge 2",
    ),
    pytest.param(
        Case(10, 10, "0%", "0%", (10, 10), (0, 0), (0, 9)),
        id=f"{CALC}: fenceposts rounding to 0 allow 1 unavailable",
    ),
    pytest.param(
        Case(4, 100, 1, 0, (4, 1), (0, 0), (1, 4)),
        id=f"{CALC}: honor surge when stable unavailable",
    ),
    pytest.param(
        Case(3, 99, 0, 2, (3, 3), (0, 0), (0, 1)),
        id=f"{CALC}: scale down to maxUnavailable within surge",
    ),
    pytest.param(
        Case(3, 99, 0, 2, (1, 1), (0, 0), (2, 1)),
        id=f"{CALC}: scale down to maxUnavailable within surge 2",
    ),
    pytest.param(
        Case(4, 100, 1, 0, (4, 1), (1, 1), (1, 3)),
        id=f"{CALC}: honor maxUnavailable while stable unavailable",
    ),
    pytest.param(
        Case(4, 0, 1, 0, (0, 0), (4, 4), (4, 1)),
        id=f"{CALC}: abort 1 surges stable before canary shrinks",
    ),
    pytest.param(
        Case(4, 0, 1, 0, (1, 0), (4, 4), (4, 1)),
        id=f"{CALC}: abort 2 waits for stable availability",
    ),
    pytest.param(
        Case(4, 0, 1, 0, (1, 1), (4, 4), (3, 1)), id=f"{CALC}: abort 3 canary shrinks by one"
    ),
    pytest.param(
        Case(4, 100, 4, 4, (4, 4), (0, 0), (4, 0)), id=f"{CALC}: promote full ignores step weight"
    ),
    pytest.param(
        # spec.replicas lowered from 3 to 2: the surge trim takes the unready canary pod, not
        # an available stable one (adjustReplicaWithinLimits gives availability back)
        Case(2, 75, 1, 0, (2, 2), (3, 0), (1, 2)),
        id="surge trim never costs available pods",
    ),
    pytest.param(
        Case(4, 100, 3, 0, (4, 4), (0, 0), (3, 4)),
        id=f"{CALC}: promote full still honors fenceposts",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_basic_canary_targets(case: Case) -> None:
    fenceposts = canary_fenceposts(case.replicas, case.surge, case.unavailable)
    older = (
        ()
        if case.older is None
        else (ReplicaSetCounts(replicas=case.older[0], available=case.older[1]),)
    )
    got = basic_canary_targets(
        case.replicas,
        case.weight,
        max_surge=fenceposts.max_surge,
        max_unavailable=fenceposts.max_unavailable,
        new_rs=ReplicaSetCounts(replicas=case.canary[0], available=case.canary[1]),
        stable_rs=ReplicaSetCounts(replicas=case.stable[0], available=case.stable[1]),
        older=older,
    )
    assert (got.canary, got.stable) == case.expected


@pytest.mark.parametrize(
    ("new_rs", "fenceposts", "expected"),
    [
        pytest.param((10, 0), (0, 1), (10, 0), id="TestCalculateReplicaCountsForNewDeployment"),
        pytest.param(
            (9, 9), (0, 1), (10, 0), id="TestCalculateReplicaCountsForCanaryStableRSdEdgeCases"
        ),
        pytest.param((0, 0), (3, 2), (10, 0), id="no-stable: nothing else runs, straight to full"),
    ],
)
def test_without_stable_the_new_rs_goes_to_full_size(
    new_rs: tuple[int, int], fenceposts: tuple[int, int], expected: tuple[int, int]
) -> None:
    """No stable RS (or stable == new): steps are ignored and the new RS heads to spec.replicas."""
    got = basic_canary_targets(
        10,
        10,
        max_surge=fenceposts[0],
        max_unavailable=fenceposts[1],
        new_rs=ReplicaSetCounts(replicas=new_rs[0], available=new_rs[1]),
        stable_rs=None,
    )
    assert got == expected


def test_missing_new_rs_gets_no_pods_but_stable_still_grows() -> None:
    """Argo leaves the canary at 0 when the new RS does not exist yet (it is created at 0)."""
    got = basic_canary_targets(
        10,
        50,
        max_surge=2,
        max_unavailable=0,
        new_rs=None,
        stable_rs=ReplicaSetCounts(replicas=4, available=4),
    )
    assert got == (0, 5)


def test_older_pods_block_any_scale_down() -> None:
    """While an older RS still has replicas, only scale-ups happen."""
    got = basic_canary_targets(
        10,
        50,
        max_surge=0,
        max_unavailable=5,
        new_rs=ReplicaSetCounts(replicas=0, available=0),
        stable_rs=ReplicaSetCounts(replicas=10, available=10),
        older=(ReplicaSetCounts(replicas=1, available=0),),
    )
    assert got == (0, 10)


@pytest.mark.parametrize(
    ("rs", "ignore", "expected"),
    [
        pytest.param(None, False, 0, id="TestGetReplicasForScaleDown: nil"),
        pytest.param((3, 5), False, 3, id="TestGetReplicasForScaleDown: spec below available"),
        pytest.param((3, 2), True, 3, id="TestGetReplicasForScaleDown: ignore availability"),
        pytest.param((3, 2), False, 2, id="TestGetReplicasForScaleDown: count availability"),
    ],
)
def test_replicas_for_scale_down(rs: tuple[int, int] | None, ignore: bool, expected: int) -> None:
    counts = None if rs is None else ReplicaSetCounts(replicas=rs[0], available=rs[1])
    assert replicas_for_scale_down(counts, ignore_availability=ignore) == expected


def test_older_replica_sets_are_not_scaled_down_too_much() -> None:
    """TestCanaryRolloutScaleDownOldRsDontScaleDownTooMuch: 4 replicas, maxUnavailable 0,
    two older RSs at 5/5 and the new one at 5/0: only 6 pods may go, 5 then 1."""
    budget = older_scale_down_budget(4, 0, available_total=5 + 5 + 0)
    assert budget == 6
    assert drain_older_for_basic_canary([5, 5], budget) == (0, 4)


@pytest.mark.parametrize(
    ("older", "budget", "expected"),
    [
        ([5, 5], 0, (5, 5)),
        ([5, 5], -3, (5, 5)),
        ([0, 3], 2, (0, 1)),
        ([2, 0, 4], 10, (0, 0, 0)),
        ([], 4, ()),
    ],
)
def test_drain_older_for_basic_canary(
    older: list[int], budget: int, expected: tuple[int, ...]
) -> None:
    assert drain_older_for_basic_canary(older, budget) == expected
