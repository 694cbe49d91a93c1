"""The fleet figure of `rollouts bench`, at its quick scale: every region's rollouts really
reach weight 0, and the figures are percentiles of real, positive latencies."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console

from adapters.bench.multicluster import measure_multicluster
from adapters.bench.multicluster_region import REGIONS

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FLEETS = 5


def _ordered(figures: dict[str, Any], count: int) -> None:
    assert figures["count"] == count
    values = [figures[key] for key in ("p50_ms", "p90_ms", "p99_ms", "max_ms")]
    assert values[0] > 0, figures
    assert values == sorted(values), figures


async def test_global_abort_reaches_weight_zero_in_every_region() -> None:
    out = io.StringIO()
    result = await measure_multicluster(FLEETS, Console(file=out), raw_messages=20)
    assert result["at_weight_zero"] == {region: FLEETS for region in REGIONS}, out.getvalue()
    last, failing = result["abort"]["last_region"], result["abort"]["failing_region"]
    _ordered(last, FLEETS)
    _ordered(failing, FLEETS)
    _ordered(result["raw_fanout"], 20)
    # the last region is never earlier than the region whose own analysis failed
    assert last["p50_ms"] >= failing["p50_ms"] and last["max_ms"] >= failing["max_ms"]
    # the abort crosses the hub-to-region hop the raw figure measures, and more besides
    assert last["p50_ms"] > result["raw_fanout"]["p50_ms"]
    assert result["p50_ratio"] == round(last["p50_ms"] / result["raw_fanout"]["p50_ms"], 2)
