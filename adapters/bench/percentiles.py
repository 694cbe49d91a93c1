"""Latency percentiles as every latency figure of the bench reports them."""

from __future__ import annotations

import math


def percentiles(samples_ms: list[float]) -> dict[str, float | int]:
    ordered = sorted(samples_ms)

    def at(fraction: float) -> float:
        index = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
        return round(ordered[index], 2)

    return {
        "count": len(ordered),
        "p50_ms": at(0.50),
        "p90_ms": at(0.90),
        "p99_ms": at(0.99),
        "max_ms": round(ordered[-1], 2),
        "mean_ms": round(sum(ordered) / len(ordered), 2),
    }
