"""The fleet manifest the integration tests roll out (the brief's clusters and waves)."""

from __future__ import annotations

from typing import Any

from tests.support.fleet import NAMESPACE, ROLLOUT

WAVES = [
    [("staging-us-east-1", 50)],
    [("prod-ap-southeast-1", 10)],
    [("prod-us-east-1", 5), ("prod-eu-west-1", 5)],
]


def fleet_manifest(
    image: str, *, name: str = "payments", pause: str = "1s", **spec: Any
) -> dict[str, Any]:
    labels = {"app": ROLLOUT}
    template = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": ROLLOUT},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "api", "image": image}]},
            },
            "strategy": {
                "canary": {
                    "canaryService": "payments-canary",
                    "stableService": "payments-stable",
                    "trafficRouting": {"nginx": {"stableIngress": "payments"}},
                    "steps": [
                        {"setWeight": 20},
                        {"pause": {"duration": pause} if pause else {}},
                    ],
                }
            },
        },
    }
    waves = [{"clusters": [{"name": c, "canaryWeight": w} for c, w in wave]} for wave in WAVES]
    return {
        "apiVersion": "rollouts.dev/v1alpha1",
        "kind": "FleetRollout",
        "metadata": {"name": name},
        "spec": {
            "rollout": {"namespace": NAMESPACE, "name": ROLLOUT},
            "template": template,
            "waves": waves,
            **spec,
        },
    }
