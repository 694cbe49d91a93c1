"""A FleetRollout for the brief's four clusters, in both accepted forms."""

from __future__ import annotations

import copy
from typing import Any

CLUSTERS = [
    ("staging-us-east-1", 50, "payments-staging-analysis", 0),
    ("prod-ap-southeast-1", 10, "payments-production-analysis", 1),
    ("prod-us-east-1", 5, "payments-production-analysis", 2),
    ("prod-eu-west-1", 5, "payments-production-analysis", 2),
]


def rollout_template(image: str = "payments:v2") -> dict[str, Any]:
    labels = {"app": "payments-api"}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "payments-api"},
        "spec": {
            "replicas": 2,
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
                        {"analysis": {"templates": [{"templateName": "placeholder"}]}},
                        {"setWeight": 60},
                    ],
                }
            },
        },
    }


def fleet_manifest(
    image: str = "payments:v2", *, form: str = "waves", **spec: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "rollout": {"namespace": "production", "name": "payments-api"},
        "template": rollout_template(image),
    }
    if form == "waves":
        waves: list[list[dict[str, Any]]] = [[], [], []]
        for name, weight, template, wave in CLUSTERS:
            waves[wave].append({"name": name, "canaryWeight": weight, "analysisTemplate": template})
        body["waves"] = [{"clusters": clusters} for clusters in waves]
    else:
        elements = [
            {
                "cluster": name,
                "url": f"https://{name}.example.com",
                "canaryWeight": str(weight),
                "analysisTemplate": template,
                "wave": wave,
            }
            for name, weight, template, wave in CLUSTERS
        ]
        body["generators"] = [{"list": {"elements": elements}}]
    body.update(spec)
    return {
        "apiVersion": "rollouts.dev/v1alpha1",
        "kind": "FleetRollout",
        "metadata": {"name": "payments-api-fleet"},
        "spec": copy.deepcopy(body),
    }
