"""One region of the fleet bench, and the fleet it runs.

A region is a controller with its traffic, scaler, timer and analysis workers on a local
platform, behind the bench's `TimedRouter` (the moment its proxy holds each weight), and the
fleet inbox relay. Its analysis is a Job metric whose provider, `GatedJobs`, keeps every check
running until the bench fails it: that moment is the failing measurement the figure starts at.
The coordinator runs as `python -m adapters.fleet`, a process of its own, as deployed.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import nats

from adapters.analysis.templates import KvTemplateStore
from adapters.bench.children import ending_with_this_process
from adapters.bench.fleet import TimedRouter
from adapters.fleet.relay import InboxRelay
from adapters.local import LocalPlatform
from adapters.runtime.settings import NatsSettings, Settings
from adapters.workers.app import RolloutsApp, create_app
from events.phases import AnalysisPhase
from rollouts.ports import Measurement, RolloutRef
from rollouts.spec import AnalysisTemplate
from rollouts.state import RolloutState

REGIONS = ["staging-us-east-1", "prod-ap-southeast-1", "prod-us-east-1", "prod-eu-west-1"]
NAMESPACE, TEMPLATE, METRIC = "bench", "bench-fleet-check", "error-rate"
HOLD = "bench-fleet-hold"
CANARY_WEIGHT = 20


def analysis_templates() -> list[AnalysisTemplate]:
    """The failing region's check (a Job metric answered by the region's `GatedJobs`), and the
    other regions' hold: its one measurement is due in a day, so their rollouts stay in the
    analysis step at weight 20 without holding one of the analysis worker's measurement slots
    (64 a worker: a held check in every region would exhaust them)."""
    job = {
        "metadata": {"labels": {"rollout": "{{args.rollout}}"}},
        "spec": {"template": {"spec": {"containers": [{"name": "check", "image": "bench"}]}}},
    }
    check = {"name": METRIC, "count": 1, "provider": {"job": job}}
    hold = {**check, "initialDelay": "24h"}
    return [
        AnalysisTemplate.model_validate(
            {
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "AnalysisTemplate",
                "metadata": {"name": name, "namespace": NAMESPACE},
                "spec": {"args": [{"name": "rollout"}], "metrics": [metric]},
            }
        )
        for name, metric in ((TEMPLATE, check), (HOLD, hold))
    ]


class GatedJobs:
    """The region's Job provider: each check runs until the bench fails it, and its verdict
    is the one a failed Job gives. `failed_at` is when the failing measurement was taken."""

    def __init__(self) -> None:
        self.waiting: dict[str, asyncio.Future[None]] = {}
        self.failed_at: dict[str, float] = {}

    async def measure(self, provider: Mapping[str, Any], now: datetime) -> Measurement:
        rollout = str(provider["job"]["metadata"]["labels"]["rollout"])
        gate = self.waiting[rollout] = asyncio.get_running_loop().create_future()
        await gate
        self.failed_at[rollout] = time.perf_counter()
        return Measurement(value="Failed", metadata={"phase": "Failed", "exitCode": "1"})

    def fail(self, rollout: str) -> None:
        self.waiting.pop(rollout).set_result(None)


def fleet_manifest(name: str, image: str, failing: str) -> dict[str, Any]:
    """A fleet of one rollout in every region, all in one wave; `failing` runs the check."""
    labels = {"app": name}
    analysis = {
        "templates": [{"templateName": TEMPLATE}],
        "args": [{"name": "rollout", "value": name}],
    }
    steps = [{"setWeight": CANARY_WEIGHT}, {"analysis": analysis}]
    template = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
            "strategy": {
                "canary": {
                    "canaryService": f"{name}-canary",
                    "stableService": f"{name}-stable",
                    "trafficRouting": {"nginx": {"stableIngress": name}},
                    "steps": steps,
                }
            },
        },
    }
    return {
        "apiVersion": "rollouts.dev/v1alpha1",
        "kind": "FleetRollout",
        "metadata": {"name": f"fleet-{name}"},
        "spec": {
            "rollout": {"namespace": NAMESPACE, "name": name},
            "template": template,
            "waves": [
                {
                    "clusters": [
                        {"name": r, "analysisTemplate": TEMPLATE if r == failing else HOLD}
                        for r in REGIONS
                    ]
                }
            ],
        },
    }


class BenchRegion:
    """One cluster: controller, traffic, scaler and timer workers, and the inbox relay."""

    def __init__(self, name: str, url: str, data_dir: Path) -> None:
        self.name, self.url = name, url
        self.platform = LocalPlatform(ready_delay=0.01)
        self.router = TimedRouter(self.platform)
        self.jobs = GatedJobs()
        settings = Settings(nats=NatsSettings(url=url), data_dir=data_dir, actor=name)
        self.app: RolloutsApp = create_app(
            settings,
            workers=("controller", "traffic", "scaler", "timer", "analysis"),
            platform=self.platform,
            router=self.router,
            job_provider=self.jobs,
            start_embedded=False,
            drift_interval=None,
        )
        self._stack = contextlib.AsyncExitStack()

    async def start(self) -> None:
        await self.platform.start()
        self._stack.push_async_callback(self.platform.stop)
        await self.app.start()
        self._stack.push_async_callback(self.app.stop)
        nc = await nats.connect(self.url, max_reconnect_attempts=-1)
        self._stack.push_async_callback(nc.close)
        relay = InboxRelay(nc, self.name)
        await relay.start()
        self._stack.push_async_callback(relay.stop)
        for template in analysis_templates():
            await KvTemplateStore(nc.jetstream()).put(template)

    async def stop(self) -> None:
        await self._stack.aclose()

    def state(self, ref: RolloutRef) -> RolloutState | None:
        projection = self.app.projection
        return projection.state(ref.namespace, ref.name) if projection else None

    def analysing(self, ref: RolloutRef, failing: bool) -> bool:
        """The rollout's proxy holds weight 20 and its analysis step runs (in the failing
        region, with its check taking the measurement)."""
        if self.router.weights.get(ref) != CANARY_WEIGHT:
            return False
        if failing:
            return ref.name in self.jobs.waiting
        state = self.state(ref)
        runs = state.analysis_runs.values() if state is not None else ()
        return any(run.phase in (AnalysisPhase.PENDING, AnalysisPhase.RUNNING) for run in runs)


@contextlib.asynccontextmanager
async def coordinator_process(hub_url: str, log_path: Path) -> AsyncIterator[None]:
    """`python -m adapters.fleet` on the hub, until the block ends."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-u", "-m", "adapters.fleet", "--hub", hub_url],
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=ending_with_this_process(),  # noqa: PLW1509 (one prctl call, see children)
        )
    try:
        deadline = time.monotonic() + 60.0
        while b"fleet coordinator ready" not in log_path.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"fleet coordinator did not start: {log_path.read_text()[-800:]}"
                )
            await asyncio.sleep(0.05)
        yield
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
