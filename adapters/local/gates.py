"""Deterministic counters that stand in for randomness in the local platform.

A demo or a test that says "8% errors" or "5% to the canary" must see exactly that, on every
run: a random draw would make a 1000-request test flaky and a live demo misleading. Both helpers
here spread their hits evenly over the stream instead of drawing them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

from rollouts.ports import PortError


class FractionGate:
    """Opens for exactly `fraction` of the calls, spread evenly (8 of every 100 for 0.08).

    The fraction is kept as an exact rational so that float rounding never drops a hit.
    """

    def __init__(self, fraction: float) -> None:
        if not 0.0 <= fraction <= 1.0 or math.isnan(fraction):
            raise PortError(f"a rate must lie between 0 and 1, got {fraction}")
        self._ratio = Fraction(fraction).limit_denominator(1_000_000)
        self._calls = 0
        self._hits = 0

    @property
    def fraction(self) -> float:
        return float(self._ratio)

    def take(self) -> bool:
        self._calls += 1
        due = math.floor(self._calls * self._ratio)
        if due > self._hits:
            self._hits += 1
            return True
        return False


class SmoothRoundRobin:
    """Nginx's smooth weighted round-robin: in every run of sum(weights) picks, each key is
    picked exactly its weight times, interleaved rather than in bursts."""

    def __init__(self, weights: Sequence[tuple[str, int]]) -> None:
        for key, weight in weights:
            if weight < 0:
                raise PortError(f"weight of {key!r} must not be negative, got {weight}")
        self._entries = [(key, weight) for key, weight in weights if weight > 0]
        self._current = [0] * len(self._entries)
        self._total = sum(weight for _, weight in self._entries)

    def pick(self) -> str | None:
        """The next key, or None when every weight is zero."""
        if self._total == 0:
            return None
        best = 0
        for index, (_, weight) in enumerate(self._entries):
            self._current[index] += weight
            if self._current[index] > self._current[best]:
                best = index
        self._current[best] -= self._total
        return self._entries[best][0]
