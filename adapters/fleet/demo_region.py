"""One cluster of `rollouts fleet demo`: its own controller and workers on the local platform,
the fleet inbox relay, its AnalysisTemplates, and real traffic through its proxy."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client

from adapters.analysis.templates import KvTemplateStore
from adapters.fleet.relay import InboxRelay
from adapters.local import LoadGenerator, LocalPlatform
from adapters.runtime.settings import NatsSettings, Settings
from adapters.workers.app import RolloutsApp, create_app
from rollouts.ports import RolloutRef
from rollouts.spec import AnalysisTemplate
from rollouts.state import RolloutState

NAMESPACE, ROLLOUT = "production", "payments-api"
IMAGES = {"payments:v1": 0.0, "payments:v2": 0.0, "payments:v3": 0.3}
"""Image -> error rate of its pods: v3 is bad, but not bad enough for staging's loose check."""
TEMPLATES = {"payments-staging-analysis": 0.6, "payments-production-analysis": 0.05}
"""AnalysisTemplate -> the error rate it tolerates."""
RPS = 60.0


def analysis_template(name: str, limit: float, stats_url: str) -> AnalysisTemplate:
    query = f"service={ROLLOUT}&hash={{{{args.canary-hash}}}}&window=2s"
    metric = {
        "name": "error-rate",
        "interval": "1s",
        "count": 3,
        "failureLimit": 0,
        "successCondition": f"result < {limit}",
        "provider": {"web": {"url": f"{stats_url}?{query}", "jsonPath": "{$.errorRate}"}},
    }
    return AnalysisTemplate.model_validate(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "AnalysisTemplate",
            "metadata": {"name": name, "namespace": NAMESPACE},
            "spec": {"args": [{"name": "canary-hash"}], "metrics": [metric]},
        }
    )


class DemoRegion:
    def __init__(self, name: str, url: str, data_dir: Path) -> None:
        self.name = name
        self.url = url
        self.platform = LocalPlatform(ready_delay=0.05)
        for image, error_rate in IMAGES.items():
            self.platform.set_behaviour(image, error_rate=error_rate, latency=0.002)
        settings = Settings(nats=NatsSettings(url=url), data_dir=data_dir, actor=name)
        self.app: RolloutsApp = create_app(
            settings,
            workers=("controller", "traffic", "scaler", "timer", "analysis"),
            platform=self.platform,
            router=self.platform,
            start_embedded=False,
            drift_interval=None,
        )
        self._stack = contextlib.AsyncExitStack()
        self.nc: Client | None = None
        self.load: LoadGenerator | None = None

    async def start(self) -> None:
        stack = self._stack
        await self.platform.start()
        stack.push_async_callback(self.platform.stop)
        await self.app.start()
        stack.push_async_callback(self.app.stop)
        nc = await nats.connect(self.url, max_reconnect_attempts=-1)
        self.nc = nc
        stack.push_async_callback(nc.close)
        relay = InboxRelay(nc, self.name)
        await relay.start()
        stack.push_async_callback(relay.stop)
        templates = KvTemplateStore(nc.jetstream())
        for name, limit in TEMPLATES.items():
            await templates.put(analysis_template(name, limit, self.platform.stats_url()))

    async def start_traffic(self) -> None:
        """Real requests through the cluster's proxy, so the analysis measures something."""
        url = await self.platform.open_proxy(RolloutRef(NAMESPACE, ROLLOUT))
        self.load = LoadGenerator(url, RPS, timeout=5.0)
        await self.load.start()
        self._stack.push_async_callback(self.load.stop)

    async def stop(self) -> None:
        await self._stack.aclose()

    def state(self) -> RolloutState | None:
        projection = self.app.projection
        return projection.state(NAMESPACE, ROLLOUT) if projection else None


WAVES: list[list[tuple[str, int, str]]] = [
    [("staging-us-east-1", 50, "payments-staging-analysis")],
    [("prod-ap-southeast-1", 10, "payments-production-analysis")],
    [
        ("prod-us-east-1", 5, "payments-production-analysis"),
        ("prod-eu-west-1", 5, "payments-production-analysis"),
    ],
]
CLUSTERS = [cluster for wave in WAVES for cluster, _, _ in wave]


def fleet_manifest(image: str) -> dict[str, Any]:
    """The brief's fleet, as an ApplicationSet-style list generator with waves."""
    labels = {"app": ROLLOUT}
    analysis = {
        "templates": [{"templateName": "payments-production-analysis"}],
        "args": [{"name": "canary-hash", "valueFrom": {"podTemplateHashValue": "Latest"}}],
    }
    template = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": ROLLOUT},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "api", "image": image}]},
            },
            "strategy": {
                "canary": {
                    "canaryService": f"{ROLLOUT}-canary",
                    "stableService": f"{ROLLOUT}-stable",
                    "trafficRouting": {"nginx": {"stableIngress": ROLLOUT}},
                    "steps": [
                        {"setWeight": 20},
                        {"pause": {"duration": "1s"}},
                        {"analysis": analysis},
                    ],
                }
            },
        },
    }
    elements = [
        {"cluster": c, "canaryWeight": str(w), "analysisTemplate": t, "wave": k}
        for k, wave in enumerate(WAVES)
        for c, w, t in wave
    ]
    return {
        "apiVersion": "rollouts.dev/v1alpha1",
        "kind": "FleetRollout",
        "metadata": {"name": "payments-api-fleet"},
        "spec": {
            "rollout": {"namespace": NAMESPACE, "name": ROLLOUT},
            "template": template,
            "generators": [{"list": {"elements": elements}}],
            "healthPolicy": {"weighting": "traffic", "abortBelow": 0.5},
        },
    }
