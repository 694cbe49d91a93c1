"""The seed `checkout-error-rate` template against a real Prometheus, through the whole system:
a canary with 0.2% errors is promoted, one with 8% errors is aborted, no data never promotes."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest
import yaml

from events.phases import AnalysisPhase, PauseReason, RolloutPhase
from tests.conftest import DATA
from tests.integration.analysis.harness import (
    AnalysisSystem,
    describe,
    promoted_to_v2,
    run_ended,
)
from tests.support.prometheus import PrometheusServer, TrafficApp, wait_for_data

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SEED = DATA / "conformance" / "seed" / "checkout-error-rate-template.yaml"


def seed_template(address: str) -> dict[str, Any]:
    """The seed template, unchanged but for its address and a 1s interval with 3 measurements."""
    template: dict[str, Any] = yaml.safe_load(SEED.read_text())
    for metric in template["spec"]["metrics"]:
        metric["interval"], metric["count"] = "1s", 3
        metric["provider"]["prometheus"]["address"] = address
    return template


def analysis_steps(service: str, template: str = "checkout-error-rate") -> list[dict[str, Any]]:
    analysis = {
        "templates": [{"templateName": template}],
        "args": [{"name": "service-name", "value": service}],
    }
    return [{"setWeight": 20}, {"analysis": analysis}]


async def traffic(
    app: TrafficApp, prometheus: PrometheusServer, service: str, ok: int, errors: int
) -> None:
    app.set_traffic(service, "canary", ok=ok, errors=errors, latency=0.05)
    ratio = (
        f'sum(rate(http_requests_total{{service="{service}",status=~"5..",version="canary"}}[2m]))'
        f' / sum(rate(http_requests_total{{service="{service}",version="canary"}}[2m]))'
    )
    await wait_for_data(prometheus.url, ratio)


async def test_a_healthy_canary_is_promoted(
    system: AnalysisSystem, prometheus: PrometheusServer, traffic_app: TrafficApp
) -> None:
    await traffic(traffic_app, prometheus, "checkout-good", ok=998, errors=2)
    await system.put_template(seed_template(prometheus.url))
    await system.deploy_then_update(analysis_steps("checkout-good"))

    state = await system.until("promotion of v2", lambda s: promoted_to_v2(s) or s.abort)
    assert promoted_to_v2(state), describe(state)
    recorded = await system.recorded()
    by_metric = {m: [r for r in recorded if r.metric == m] for m in ("error-rate", "p99-latency")}
    assert [r.index for r in by_metric["error-rate"]] == [1, 2, 3]
    assert all(r.phase is AnalysisPhase.SUCCESSFUL for r in recorded), recorded
    assert all(float(r.value.strip("[]")) < 0.01 for r in by_metric["error-rate"])
    assert all(float(r.value.strip("[]")) < 0.2 for r in by_metric["p99-latency"])
    (run,) = state.analysis_runs.values()
    assert run.phase is AnalysisPhase.SUCCESSFUL


async def test_a_canary_with_8_percent_errors_is_aborted(
    system: AnalysisSystem, prometheus: PrometheusServer, traffic_app: TrafficApp
) -> None:
    await traffic(traffic_app, prometheus, "checkout-bad", ok=92, errors=8)
    await system.put_template(seed_template(prometheus.url))
    await system.deploy_then_update(analysis_steps("checkout-bad"))

    state = await system.until("abort", lambda s: s.phase is RolloutPhase.DEGRADED)
    assert state.abort and not state.fully_promoted, describe(state)
    assert state.message.startswith(
        "RolloutAborted: Rollout aborted update to revision 2: Step-based analysis phase "
        'error/failed: Metric "error-rate" assessed Failed due to failed (3) > failureLimit (2)'
    ), state.message
    failed = [r for r in await system.recorded() if r.metric == "error-rate"]
    assert [r.phase for r in failed] == [AnalysisPhase.FAILED] * 3
    assert all(0.07 < float(r.value.strip("[]")) < 0.09 for r in failed)
    assert 'failureCondition "result[0] >= 0.05" is true' in failed[0].message


def no_data_template(address: str) -> dict[str, Any]:
    """The seed's error-rate as a scalar: no series at all gives NaN, which meets neither
    condition, so the measurement is Inconclusive (and inconclusiveLimit 0 is already passed)."""
    template = seed_template(address)
    template["metadata"]["name"] = "checkout-error-rate-scalar"
    metric = copy.deepcopy(template["spec"]["metrics"][0])
    query = metric["provider"]["prometheus"]["query"]
    metric["provider"]["prometheus"]["query"] = f"scalar({query.strip()})"
    metric["successCondition"] = "result < 0.01"
    metric["failureCondition"] = "result >= 0.05"
    metric["inconclusiveLimit"] = 0
    template["spec"]["metrics"] = [metric]
    return template


async def test_no_data_never_promotes(system: AnalysisSystem, prometheus: PrometheusServer) -> None:
    await system.put_template(no_data_template(prometheus.url))
    steps = analysis_steps("checkout-nobody", template="checkout-error-rate-scalar")
    await system.deploy_then_update(steps)

    state = await system.until("the run to end", run_ended)
    (run,) = state.analysis_runs.values()
    assert run.phase is AnalysisPhase.INCONCLUSIVE, describe(state)
    state = await system.until("the inconclusive pause", lambda s: s.phase is RolloutPhase.PAUSED)
    assert state.pause_condition(PauseReason.INCONCLUSIVE_ANALYSIS_RUN) is not None
    (recorded,) = await system.recorded()
    assert recorded.value == "NaN" and recorded.phase is AnalysisPhase.INCONCLUSIVE
    await asyncio.sleep(2)
    later = await system.state()
    assert not later.fully_promoted and later.phase is RolloutPhase.PAUSED, describe(later)
