"""The demo's Rollout and the behaviour of each image it deploys.

The manifest is plain Argo Rollouts YAML (as a dict): a canary with traffic routing, so the
local platform's proxy applies exact weights. The `nginx` block is only there because Argo
requires a provider; the local platform routes any provider with its own proxy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ROLLOUT_NAME = "demo"
CONTAINER = "demo"
REPLICAS = 5
STEP_COUNT = 6
INDEFINITE_PAUSE_STEP = 3
"""Index of `pause: {}` in the steps: Argo shows it as step 3/6."""


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
IMAGES = (V1, V2, V3)


def canary_steps(pause_seconds: int) -> list[dict[str, Any]]:
    timed = {"pause": {"duration": f"{pause_seconds}s"}}
    return [
        {"setWeight": 20},
        timed,
        {"setWeight": 50},
        {"pause": {}},
        {"setWeight": 80},
        timed,
    ]


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
