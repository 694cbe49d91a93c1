"""The demo's Rollout, its AnalysisTemplate and the behaviour of each image it deploys.

The manifests are plain Argo Rollouts YAML (as dicts): a canary with traffic routing, so the
local platform's proxy applies exact weights. The `nginx` block is only there because Argo
requires a provider; the local platform routes any provider with its own proxy.

After the first 20% step and its pause, an `analysis` step checks the canary's error rate with a
`web` metric reading the local platform's `/stats` endpoint (the canary's own pods, by pod
template hash): three measurements a second apart, no failure allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ROLLOUT_NAME = "demo"
CONTAINER = "demo"
REPLICAS = 5
STEP_COUNT = 7
INDEFINITE_PAUSE_STEP = 4
"""Index of `pause: {}` in the steps: Argo shows it as step 4/7."""
TEMPLATE_NAME = "demo-error-rate"
METRIC_NAME = "error-rate"
SUCCESS_CONDITION = "result < 0.05"
STATS_WINDOW = "2s"
"""How far back each measurement looks: the canary has had 20% of the traffic that long."""


@dataclass(frozen=True, slots=True)
class DemoImage:
    image: str
    error_rate: float
    latency: float

    @property
    def version(self) -> str:
        """What the pods answer in X-Version: the image tag."""
        return self.image.rsplit(":", 1)[1]


V1 = DemoImage("demo:v1", error_rate=0.0, latency=0.005)
V2 = DemoImage("demo:v2", error_rate=0.0, latency=0.005)
V3 = DemoImage("demo:v3", error_rate=0.2, latency=0.005)
V4 = DemoImage("demo:v4", error_rate=0.3, latency=0.005)
IMAGES = (V1, V2, V3, V4)


def canary_steps(pause_seconds: int) -> list[dict[str, Any]]:
    timed = {"pause": {"duration": f"{pause_seconds}s"}}
    analysis = {
        "templates": [{"templateName": TEMPLATE_NAME}],
        "args": [{"name": "canary-hash", "valueFrom": {"podTemplateHashValue": "Latest"}}],
    }
    return [
        {"setWeight": 20},
        timed,
        {"analysis": analysis},
        {"setWeight": 50},
        {"pause": {}},
        {"setWeight": 80},
        timed,
    ]


def analysis_template(stats_url: str) -> dict[str, Any]:
    """The error rate of the canary's own pods over the last seconds, from the local platform."""
    query = f"service={ROLLOUT_NAME}&hash={{{{args.canary-hash}}}}&window={STATS_WINDOW}"
    metric = {
        "name": METRIC_NAME,
        "interval": "1s",
        "count": 3,
        "failureLimit": 0,
        "successCondition": SUCCESS_CONDITION,
        "provider": {"web": {"url": f"{stats_url}?{query}", "jsonPath": "{$.errorRate}"}},
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": TEMPLATE_NAME},
        "spec": {"args": [{"name": "canary-hash"}], "metrics": [metric]},
    }


def rollout_manifest(image: DemoImage, pause_seconds: int) -> dict[str, Any]:
    labels = {"app": ROLLOUT_NAME}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": ROLLOUT_NAME},
        "spec": {
            "replicas": REPLICAS,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": CONTAINER, "image": image.image}]},
            },
            "strategy": {
                "canary": {
                    "canaryService": f"{ROLLOUT_NAME}-canary",
                    "stableService": f"{ROLLOUT_NAME}-stable",
                    "trafficRouting": {"nginx": {"stableIngress": ROLLOUT_NAME}},
                    "steps": canary_steps(pause_seconds),
                }
            },
        },
    }
