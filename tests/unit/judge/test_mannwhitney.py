"""The U statistic and the two-sided p-value agree with scipy.stats.mannwhitneyu (method="auto").

scipy is a test-only dependency: the core computes the test in pure Python, and these tests hold
it to scipy's numbers, on fixed cases (small samples, ties, the exact/asymptotic boundary) and on
seeded random ones (ROLLOUTS_TEST_SEED replays a run).
"""

from __future__ import annotations

import math

import pytest
from scipy.stats import mannwhitneyu

from rollouts.judge.mannwhitney import (
    average_ranks,
    choose_method,
    mann_whitney_u,
    u_distribution,
)
from tests.support.seeds import seeded_random

FIXED = [
    ([1.0], [2.0]),
    ([1.0, 2.0], [3.0, 4.0, 5.0]),
    ([3.1, 0.2, 5.5], [0.1, 0.3, 0.25, 9.0, 1.0]),
    ([1.0, 2.0, 2.0, 3.0], [2.0, 3.0, 3.0, 4.0, 5.0]),  # ties: asymptotic even though small
    ([5.0, 5.0, 5.0], [5.0, 5.0]),  # every value equal
    ([1.0, 1.0, 1.0, 2.0], [1.0, 2.0, 2.0, 2.0]),
    (list(range(8)), [float(x) + 0.5 for x in range(30)]),  # 8 values: still exact
    (list(range(9)), [float(x) + 0.5 for x in range(9)]),  # both above 8: asymptotic
    ([0.01] * 20 + [0.02] * 3, [0.0] * 25),  # error rates with many zeros
    ([10.0, 20.0, 30.0], [1.0, 2.0, 3.0]),  # complete separation, exact
]


def _check(first: list[float], second: list[float], note: str = "") -> None:
    ours = mann_whitney_u(first, second)
    theirs = mannwhitneyu(first, second, alternative="two-sided", method="auto")
    assert ours.u_statistic == pytest.approx(float(theirs.statistic), abs=1e-9), note
    assert ours.p_value == pytest.approx(float(theirs.pvalue), rel=1e-9, abs=1e-12), note


@pytest.mark.parametrize(("first", "second"), FIXED)
def test_fixed_cases_match_scipy(first: list[float], second: list[float]) -> None:
    _check(first, second)


def test_method_follows_scipy_auto() -> None:
    assert mann_whitney_u([1.0, 2.0], [3.0, 4.0]).method == "exact"
    assert mann_whitney_u([1.0, 2.0], [2.0, 4.0]).method == "asymptotic"  # a tie
    assert choose_method(8, 500, tied=False) == "exact"
    assert choose_method(9, 9, tied=False) == "asymptotic"
    assert choose_method(3, 3, tied=True) == "asymptotic"


def test_exact_distribution_counts_every_ordering() -> None:
    for n1, n2 in [(1, 1), (2, 3), (4, 4), (8, 13)]:
        counts = u_distribution(n1, n2)
        assert len(counts) == n1 * n2 + 1
        assert sum(counts) == math.comb(n1 + n2, n1)
        assert counts == counts[::-1]  # U is symmetric about n1*n2/2 under the null
    assert u_distribution(2, 2) == [1, 1, 2, 1, 1]


def test_average_ranks_share_ties() -> None:
    ranks, groups = average_ranks([3.0, 1.0, 3.0, 2.0])
    assert ranks == [3.5, 1.0, 3.5, 2.0]
    assert sorted(groups) == [1, 1, 2]


def test_empty_sample_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="samples"):
        mann_whitney_u([], [1.0])


def test_seeded_random_samples_match_scipy() -> None:
    seeded = seeded_random("mann-whitney vs scipy")
    rng = seeded.rng
    for case in range(300):
        n1, n2 = rng.randint(1, 14), rng.randint(1, 40)
        shift = rng.choice([0.0, 0.3, 1.0])
        if rng.random() < 0.5:  # discrete values: ties
            first = [float(rng.randint(0, 4)) for _ in range(n1)]
            second = [float(rng.randint(0, 4)) + shift for _ in range(n2)]
        else:
            first = [rng.gauss(0, 1) for _ in range(n1)]
            second = [rng.gauss(shift, 1) for _ in range(n2)]
        _check(first, second, f"case {case}: {first} vs {second}, {seeded.tag}")
