"""The statistical judge end to end on the local platform (issue 13).

Real pods serve real requests (errors injected at a fixed share per version: 0.5% on stable
v1, 3% on the canary v2), a real Prometheus (the Debian binary) scrapes the platform's metrics
endpoint every second, and the whole system (NATS, controller, every worker) runs the rollout.
The canary's error rate is under the fixed threshold `result[0] < 0.05`, and a plain metric
with that condition, measured on the same traffic in the same run, passes; the judge metric
compares the canary's samples with stable's and fails the run, so the rollout is aborted.
Nothing is random: the platform fails exactly every 200th (stable) and every 33rd-or-34th
(canary) request, and the traffic is paced.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import events.models as ev
from adapters.analysis.templates import KvTemplateStore
from adapters.local import LocalPlatform
from adapters.runtime.client import RolloutsClient
from adapters.runtime.connect import connect
from adapters.workers.app import create_app
from events.phases import AnalysisPhase, RolloutPhase
from rollouts.ports import RolloutRef
from tests.integration.analysis.harness import NAME, AnalysisSystem, describe
from tests.support.prometheus import (
    PrometheusServer,
    free_port,
    prometheus_binary,
    wait_for_data,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REF = RolloutRef("default", NAME)
STABLE_ERRORS, CANARY_ERRORS = 0.005, 0.03
REQUESTS_PER_SECOND = 50  # per version


def error_ratio(version: str, window: str) -> str:
    selector = f'service="{NAME}",version="{version}"'
    return (
        f'sum(rate(http_requests_total{{{selector},status="500"}}[{window}]))'
        f" / sum(rate(http_requests_total{{{selector}}}[{window}]))"
    )


def judge_template(address: str) -> dict[str, Any]:
    judge = {
        "baseline": error_ratio("{{args.stable-version}}", "5s"),
        "canary": error_ratio("{{args.canary-version}}", "5s"),
        "direction": "increase",
    }
    threshold = {
        "name": "error-rate-threshold",
        "initialDelay": "8s",
        "interval": "5s",
        "count": 2,
        "successCondition": "result[0] < 0.05",
        "provider": {
            "prometheus": {
                "address": address,
                "query": error_ratio("{{args.canary-version}}", "10s"),
            }
        },
    }
    judged = {
        "name": "error-rate-judge",
        "initialDelay": "20s",
        "interval": "15s",
        "count": 1,
        "provider": {"prometheus": {"address": address}},
        "judge": judge,
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "judged-errors", "namespace": "default"},
        "spec": {
            "args": [{"name": "stable-version"}, {"name": "canary-version"}],
            "judge": {"marginal": 75, "pass": 90},
            "metrics": [threshold, judged],
        },
    }


STEPS: list[dict[str, Any]] = [
    {"setWeight": 20},
    {
        "analysis": {
            "templates": [{"templateName": "judged-errors"}],
            "args": [
                {"name": "stable-version", "value": "v1"},
                {"name": "canary-version", "value": "v2"},
            ],
        }
    },
]


class LocalSystem(AnalysisSystem):
    """The analysis harness on the local platform (real pods), its metrics on a known port."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir)
        self.metrics_port = free_port()
        self.local = LocalPlatform(ready_delay=0.0, metrics_port=self.metrics_port)

    async def start(self) -> None:
        await self.local.start()
        self.app = create_app(self.settings, platform=self.local, router=self.local)
        await self.app.start()
        self.connection = await connect(self.settings)
        self.client = RolloutsClient(self.connection)
        self.templates = KvTemplateStore(self.connection.js)

    async def stop(self) -> None:
        if self.connection is not None:
            await self.connection.close()
        if self.app is not None:
            await self.app.stop()
        await self.local.stop()


@pytest.fixture
async def local_system(tmp_path: Path) -> AsyncIterator[LocalSystem]:
    started = LocalSystem(tmp_path / "data")
    try:
        await started.start()
        yield started
    finally:
        await started.stop()


@pytest.fixture
def local_prometheus(local_system: LocalSystem) -> Iterator[PrometheusServer]:
    binary = prometheus_binary()
    if binary is None:
        pytest.skip("prometheus binary not found; apt-get install prometheus")
    server = PrometheusServer(binary=binary, target=f"127.0.0.1:{local_system.metrics_port}")
    server.start()
    yield server
    server.stop()


async def paced_load(system: LocalSystem, stop: asyncio.Event) -> None:
    """REQUESTS_PER_SECOND to each ReplicaSet the rollout has, straight to its pods."""
    async with httpx.AsyncClient(trust_env=False, timeout=5.0) as client:
        hashes: list[str] = []
        tick = 0
        while not stop.is_set():
            if tick % 25 == 0:
                state = await system.state()
                hashes = [h for h in {state.stable_rs, state.current_pod_hash} if h]
            for pod_hash in hashes:
                pods = system.local.ready_pods(REF, pod_hash)
                if pods:
                    with contextlib.suppress(httpx.HTTPError):
                        await client.get(pods[tick % len(pods)].url)
            tick += 1
            await asyncio.sleep(1 / REQUESTS_PER_SECOND)


async def test_the_judge_fails_a_canary_a_fixed_threshold_passes(
    local_system: LocalSystem, local_prometheus: PrometheusServer
) -> None:
    system = local_system
    system.local.set_behaviour("checkout:v1", error_rate=STABLE_ERRORS)
    system.local.set_behaviour("checkout:v2", error_rate=CANARY_ERRORS)
    await system.put_template(judge_template(local_prometheus.url))
    await system.apply("checkout:v1", STEPS)
    await system.until("v1 healthy", lambda s: s.phase is RolloutPhase.HEALTHY)
    stop = asyncio.Event()
    load = asyncio.create_task(paced_load(system, stop))
    try:
        await wait_for_data(local_prometheus.url, f"({error_ratio('v1', '5s')}) >= 0")
        await system.apply("checkout:v2", STEPS)
        state = await system.until("abort", lambda s: s.abort, timeout=90)
    finally:
        stop.set()
        await load

    assert state.phase is RolloutPhase.DEGRADED and not state.fully_promoted, describe(state)
    assert 'Metric "error-rate-judge" assessed Failed' in state.message, state.message
    history = [stored.event for stored in await system.history()]
    (judged,) = [e for e in history if isinstance(e, ev.JudgmentRecorded)]
    (metric,) = judged.judgment.metrics
    print(f"judgment: {judged.judgment.summary()}")
    print(f"baseline={judged.baseline}\ncanary={judged.canary}")
    assert judged.judgment.verdict == "Failed" and metric.classification == "High"
    assert (judged.judgment.marginal, judged.judgment.pass_score) == (75, 90)
    assert metric.baseline_count >= 10 and metric.canary_count >= 10, metric
    assert max(judged.canary) < 0.05, "the canary must stay under the fixed threshold"

    threshold = [
        e
        for e in history
        if isinstance(e, ev.MeasurementRecorded) and e.metric == "error-rate-threshold"
    ]
    assert [m.phase for m in threshold] == [AnalysisPhase.SUCCESSFUL] * 2, threshold
    assert all(0.0 < float(m.value.strip("[]")) < 0.05 for m in threshold), threshold
    (run,) = state.analysis_runs.values()
    passed = run.metric("error-rate-threshold")
    assert passed is not None and passed.phase is AnalysisPhase.SUCCESSFUL
    assert run.phase is AnalysisPhase.FAILED and run.judgment == judged.judgment
