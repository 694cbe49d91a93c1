"""The Mann-Whitney U test, two-sided, computed the way `scipy.stats.mannwhitneyu` computes it.

scipy's `method="auto"` is followed exactly, so a p-value here can be checked against scipy's:
- exact: when at least one sample has 8 values or fewer and no value is tied, the null
  distribution of U is counted exactly (integer arithmetic, no rounding until the division);
- asymptotic otherwise: the normal approximation with the tie correction of the variance and a
  continuity correction of 0.5 towards the mean.
Pure Python with no numpy, because the core must not import scientific libraries; samples of a
canary analysis are hundreds of values at most, for which this is fast enough.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

EXACT_MAX_SMALLER_SAMPLE = 8

Method = Literal["exact", "asymptotic"]


class MannWhitneyResult(BaseModel):
    """U of the first sample (scipy's `statistic`), the two-sided p-value and how it was found."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    u_statistic: float
    p_value: float
    method: Method


def average_ranks(values: Sequence[float]) -> tuple[list[float], list[int]]:
    """1-based ranks with ties sharing their average rank, and the size of every tie group."""
    order = sorted(range(len(values)), key=lambda index: values[index])
    ranks = [0.0] * len(values)
    groups: list[int] = []
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        rank = (start + end) / 2 + 1
        for position in range(start, end + 1):
            ranks[order[position]] = rank
        groups.append(end - start + 1)
        start = end + 1
    return ranks, groups


def u_distribution(n1: int, n2: int) -> list[int]:
    """How many of the C(n1+n2, n1) orderings give U = 0, 1, ..., n1*n2.

    These are the coefficients of the Gaussian binomial coefficient, built as the product of
    (1 - q^(n2+i)) / (1 - q^i) for i = 1..n1: multiply by the numerator, then divide exactly by
    the denominator with a running sum. Python integers never overflow, so the counts are exact.
    """
    small, large = min(n1, n2), max(n1, n2)
    degree = small * large
    counts = [0] * (degree + 1)
    counts[0] = 1
    for i in range(1, small + 1):
        shift = large + i
        for k in range(degree, shift - 1, -1):
            counts[k] -= counts[k - shift]
        for k in range(i, degree + 1):
            counts[k] += counts[k - i]
    return counts


def exact_survival(u: float, n1: int, n2: int) -> float:
    """P(U >= u) under the null hypothesis, from the exact distribution."""
    counts = u_distribution(n1, n2)
    threshold = math.ceil(u)
    tail = sum(counts[max(threshold, 0) :])
    return tail / math.comb(n1 + n2, n1)


def asymptotic_survival(u: float, n1: int, n2: int, tie_groups: Sequence[int]) -> float:
    """P(U >= u) from the normal approximation with tie and continuity corrections (scipy's)."""
    n = n1 + n2
    tie_term = sum(t**3 - t for t in tie_groups)
    variance = n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1)))
    if variance <= 0:  # every value equal: no evidence of any difference
        return 1.0
    z = (u - n1 * n2 / 2 - 0.5) / math.sqrt(variance)
    return 0.5 * math.erfc(z / math.sqrt(2))


def choose_method(n1: int, n2: int, tied: bool) -> Method:
    """scipy's `method="auto"`: exact for a small sample without ties, else asymptotic."""
    if n1 > EXACT_MAX_SMALLER_SAMPLE and n2 > EXACT_MAX_SMALLER_SAMPLE:
        return "asymptotic"
    return "asymptotic" if tied else "exact"


def mann_whitney_u(first: Sequence[float], second: Sequence[float]) -> MannWhitneyResult:
    """The two-sided test of `first` against `second`; both must be non-empty."""
    n1, n2 = len(first), len(second)
    if n1 == 0 or n2 == 0:
        raise ValueError("samples: both must hold at least one value")
    ranks, groups = average_ranks([*first, *second])
    u1 = sum(ranks[:n1]) - n1 * (n1 + 1) / 2
    u = max(u1, n1 * n2 - u1)
    method = choose_method(n1, n2, any(size > 1 for size in groups))
    if method == "exact":
        survival = exact_survival(u, n1, n2)
    else:
        survival = asymptotic_survival(u, n1, n2, groups)
    return MannWhitneyResult(
        u_statistic=u1, p_value=min(max(2 * survival, 0.0), 1.0), method=method
    )
