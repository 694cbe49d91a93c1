"""maxSurge / maxUnavailable resolution (Argo replicaset.go fenceposts)."""

from __future__ import annotations

import pytest

from rollouts.replicas import (
    Fenceposts,
    IntOrPercent,
    bluegreen_max_unavailable,
    canary_fenceposts,
    resolve_fenceposts,
    resolve_int_or_percent,
)


@pytest.mark.parametrize(
    ("value", "total", "round_up", "expected"),
    [
        (3, 10, True, 3),
        (3, 10, False, 3),
        (15, 4, False, 15),
        ("25%", 10, True, 3),
        ("25%", 10, False, 2),
        ("25", 10, True, 3),  # no % sign: still a percentage (Argo quirk)
        ("25", 10, False, 2),
        ("2%5", 10, False, 2),  # every % is stripped, then it is a percentage
        ("0%", 10, True, 0),
        ("100%", 7, False, 7),
        ("+50%", 3, True, 2),
        ("-10%", 10, True, -1),
        ("39%", 0, True, 0),
    ],
)
def test_resolve_int_or_percent(
    value: IntOrPercent, total: int, round_up: bool, expected: int
) -> None:
    assert resolve_int_or_percent(value, total, round_up=round_up) == expected


@pytest.mark.parametrize(
    "value", ["oops", "urg", "", "%", "2.5%", " 25%", "25 %", "1_0%", "\u0661\u0660%"]
)
def test_resolve_int_or_percent_rejects_garbage(value: str) -> None:
    with pytest.raises(ValueError, match="invalid int-or-percent"):
        resolve_int_or_percent(value, 10, round_up=True)


def test_resolve_int_or_percent_rejects_bool() -> None:
    with pytest.raises(ValueError, match="invalid int-or-percent"):
        resolve_int_or_percent(True, 10, round_up=True)


@pytest.mark.parametrize(
    ("surge", "unavailable", "desired", "expected"),
    [
        pytest.param("0%", "0%", 0, (0, 1), id="TestResolveFenceposts-0"),
        pytest.param("39%", "39%", 10, (4, 3), id="TestResolveFenceposts-1"),
        pytest.param(0, "39%", 10, (0, 3), id="TestResolveFenceposts-4-nil-surge"),
        pytest.param("39%", 0, 10, (4, 0), id="TestResolveFenceposts-5-nil-unavailable"),
        pytest.param(0, 0, 10, (0, 1), id="TestResolveFenceposts-6-both-nil"),
        pytest.param("0%", "0%", 10, (0, 1), id="round-to-zero-becomes-one-unavailable"),
        pytest.param("1%", "1%", 2, (1, 0), id="surge-rounds-up-unavailable-down"),
    ],
)
def test_resolve_fenceposts(
    surge: IntOrPercent, unavailable: IntOrPercent, desired: int, expected: tuple[int, int]
) -> None:
    assert resolve_fenceposts(surge, unavailable, desired) == expected


@pytest.mark.parametrize(
    ("surge", "unavailable"),
    [
        pytest.param("oops", "39%", id="TestResolveFenceposts-2"),
        pytest.param("55%", "urg", id="TestResolveFenceposts-3"),
    ],
)
def test_resolve_fenceposts_invalid(surge: str, unavailable: str) -> None:
    with pytest.raises(ValueError, match="invalid int-or-percent"):
        resolve_fenceposts(surge, unavailable, 10)


@pytest.mark.parametrize(
    ("replicas", "surge", "unavailable", "expected"),
    [
        pytest.param(10, 5, 1, Fenceposts(max_surge=5, max_unavailable=1), id="TestMaxSurge-int"),
        pytest.param(
            10, "50%", 1, Fenceposts(max_surge=5, max_unavailable=1), id="TestMaxSurge-pct"
        ),
        pytest.param(
            10, 1, 5, Fenceposts(max_surge=1, max_unavailable=5), id="TestMaxUnavailable-lt"
        ),
        pytest.param(
            10, 1, 10, Fenceposts(max_surge=1, max_unavailable=10), id="TestMaxUnavailable-eq"
        ),
        pytest.param(
            5, 1, 10, Fenceposts(max_surge=1, max_unavailable=5), id="TestMaxUnavailable-gt"
        ),
        pytest.param(
            0, 1, 10, Fenceposts(max_surge=1, max_unavailable=0), id="TestMaxUnavailable-0"
        ),
        pytest.param(
            10, 1, "50%", Fenceposts(max_surge=1, max_unavailable=5), id="TestMaxUnavailable-pct"
        ),
        pytest.param(
            5, 1, "100%", Fenceposts(max_surge=1, max_unavailable=5), id="TestMaxUnavailable-pct-gt"
        ),
        pytest.param(10, None, None, Fenceposts(max_surge=3, max_unavailable=2), id="defaults-25%"),
        pytest.param(
            1, None, None, Fenceposts(max_surge=1, max_unavailable=0), id="defaults-1-pod"
        ),
        pytest.param(0, None, None, Fenceposts(max_surge=0, max_unavailable=0), id="empty-rollout"),
    ],
)
def test_canary_fenceposts(
    replicas: int,
    surge: IntOrPercent | None,
    unavailable: IntOrPercent | None,
    expected: Fenceposts,
) -> None:
    assert canary_fenceposts(replicas, surge, unavailable) == expected


@pytest.mark.parametrize(
    ("replicas", "unavailable", "expected"),
    [
        (10, None, 2),
        (10, "50%", 5),
        (5, 10, 5),
        (0, 3, 0),
        (3, "10%", 0),  # no surge in blue-green, so no "at least one" fencepost rule
    ],
)
def test_bluegreen_max_unavailable(
    replicas: int, unavailable: IntOrPercent | None, expected: int
) -> None:
    assert bluegreen_max_unavailable(replicas, unavailable) == expected
