"""Weight -> replica count conversions, checked against Argo's own cases."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.replicas import approximate_weighted_canary_stable, traffic_weight_to_replicas
from tests.conftest import load_conformance

SPLIT_CASES: list[dict[str, Any]] = load_conformance("replica_split_cases.json")["cases"]


def _case_id(case: dict[str, Any]) -> str:
    return (
        f"replicas{case['specReplicas']}-w{case['desiredWeight']}of{case['maxWeight']}"
        f"-surge{case['maxSurge']}"
    )


def test_all_conformance_cases_are_loaded() -> None:
    assert len(SPLIT_CASES) == 57


@pytest.mark.parametrize("case", SPLIT_CASES, ids=[_case_id(c) for c in SPLIT_CASES])
def test_approximate_split_matches_argo(case: dict[str, Any]) -> None:
    got = approximate_weighted_canary_stable(
        case["specReplicas"], case["desiredWeight"], case["maxWeight"], case["maxSurge"]
    )
    assert (got.canary, got.stable) == (case["expectCanary"], case["expectStable"])


@pytest.mark.parametrize(
    ("replicas", "weight", "max_weight", "expected"),
    [
        (10, 0, 100, 0),
        (10, 20, 100, 2),
        (10, 25, 100, 3),
        (10, 33, 100, 4),
        (10, 99, 100, 10),
        (10, 100, 100, 10),
        (23, 100_000_000, 100_000_000, 23),
        (4, 200, 100, 8),
        (10, 5, 1000, 1),
    ],
    ids=str,
)
def test_traffic_weight_to_replicas_rounds_up(
    replicas: int, weight: int, max_weight: int, expected: int
) -> None:
    """TestTrafficWeightToReplicas (plus setCanaryScale's >100 % weights and a custom max)."""
    assert traffic_weight_to_replicas(replicas, weight, max_weight) == expected


def test_max_weight_scales_the_split() -> None:
    """A maxTrafficWeight of 1000 makes weight 250 a quarter, like 25 of 100."""
    assert approximate_weighted_canary_stable(10, 250, 1000, 1) == (3, 8)
    assert approximate_weighted_canary_stable(10, 25, 100, 1) == (3, 8)
