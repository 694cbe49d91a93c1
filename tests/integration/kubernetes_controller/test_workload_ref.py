"""A Rollout with `workloadRef` on the fake API: it takes the Deployment's template, a new
Deployment image is a new revision, scaleDown scales the Deployment through its scale
subresource, and a missing Deployment is reported as InvalidSpec until it appears."""

from __future__ import annotations

from typing import Any

import pytest

import events.models as ev
from adapters.kubernetes import REVISION
from tests.integration.kubernetes_controller.harness import NS, System, status

pytestmark = pytest.mark.integration
Obj = dict[str, Any]
ROLLOUT = "web-rollout"
DEPLOYMENT = "web"
REPLICAS = 3


def deployment(image: str = "web:1", replicas: int = REPLICAS) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": DEPLOYMENT, "namespace": NS},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": image}]},
            },
        },
    }


def rollout(scale_down: str) -> Obj:
    ref = {"apiVersion": "apps/v1", "kind": "Deployment", "name": DEPLOYMENT}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": ROLLOUT, "namespace": NS},
        "spec": {
            "replicas": REPLICAS,
            "workloadRef": {**ref, "scaleDown": scale_down},
            "strategy": {"canary": {"steps": [{"setWeight": 50}]}},
        },
    }


def healthy(obj: Obj) -> bool:
    return status(obj).get("phase") == "Healthy"


def images(system: System) -> dict[str, str]:
    """Image of each of the rollout's ReplicaSets, by revision."""
    return {
        rs["metadata"]["annotations"][REVISION]: rs["spec"]["template"]["spec"]["containers"][0][
            "image"
        ]
        for rs in system.replica_sets(ROLLOUT)
    }


async def replicas_become(system: System, count: int) -> None:
    def holds(obj: Obj | None) -> bool:
        return obj is not None and obj["spec"]["replicas"] == count

    await system.kube.wait_for("deployments", NS, DEPLOYMENT, holds, 10)


def deployment_counts(system: System) -> list[int]:
    """The Deployment's spec.replicas after each change the API recorded."""
    return [
        change.obj["spec"]["replicas"]
        for change in system.kube.changes("deployments")
        if change.obj["metadata"]["name"] == DEPLOYMENT
    ]


async def test_the_rollout_runs_the_deployments_template_and_scales_it_down_on_success(
    system: System,
) -> None:
    system.kube.create(deployment())
    system.kube.create(rollout("onsuccess"))
    obj = await system.wait(healthy, ROLLOUT)
    assert images(system) == {"1": "web:1"}
    (rs,) = system.replica_sets(ROLLOUT)
    assert rs["spec"]["template"]["metadata"]["labels"]["app"] == "web"
    assert status(obj)["selector"] == "app=web"
    await replicas_become(system, 0)
    applied = [e for e in await system.events(ROLLOUT) if isinstance(e, ev.SpecApplied)]
    assert applied[-1].manifest["spec"]["workloadRef"]["scaleDown"] == "onsuccess"
    assert applied[-1].manifest["spec"]["template"]["spec"]["containers"][0]["image"] == "web:1"
    assert "template" not in (system.kube.get("rollouts", NS, ROLLOUT) or {})["spec"]


async def test_a_new_deployment_image_is_a_new_revision(system: System) -> None:
    system.kube.create(deployment())
    system.kube.create(rollout("never"))
    first = await system.wait(healthy, ROLLOUT)
    template = deployment("web:2")["spec"]["template"]
    system.kube.patch("deployments", NS, DEPLOYMENT, {"spec": {"template": template}})
    second = await system.wait(
        lambda o: healthy(o) and status(o)["currentPodHash"] != status(first)["currentPodHash"],
        ROLLOUT,
    )
    assert images(system) == {"1": "web:1", "2": "web:2"}
    assert status(second)["stableRS"] == status(second)["currentPodHash"]
    assert status(second)["observedGeneration"] == "1", "the Rollout object did not change"
    assert deployment_counts(system)[-1] == REPLICAS, "never: the Deployment is left alone"


async def test_progressively_hands_the_pods_over(system: System) -> None:
    system.kube.create(deployment())
    system.kube.create(rollout("progressively"))
    await system.wait(healthy, ROLLOUT)
    await replicas_become(system, 0)
    counts = deployment_counts(system)
    assert counts[0] == REPLICAS and counts[-1] == 0
    assert counts == sorted(counts, reverse=True), counts


async def test_a_missing_deployment_is_invalid_until_it_appears(system: System) -> None:
    system.kube.create(rollout("never"))
    refused = await system.wait(lambda o: status(o).get("phase") == "Degraded", ROLLOUT)
    message = status(refused)["message"]
    assert message.startswith("InvalidSpec: spec.workloadRef: Deployment 'web' not found"), message
    assert await system.events(ROLLOUT) == [], "nothing is decided without a template"
    system.kube.create(deployment())
    fixed = await system.wait(healthy, ROLLOUT)
    types = {c["type"] for c in status(fixed).get("conditions") or []}
    assert "InvalidSpec" not in types
    assert images(system) == {"1": "web:1"}
