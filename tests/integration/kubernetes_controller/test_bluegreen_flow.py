"""A blue-green Rollout object: Services switched, `status.blueGreen`, promote by the plugin."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.kubernetes import POD_TEMPLATE_HASH
from tests.integration.kubernetes_controller import plugin as kubectl
from tests.integration.kubernetes_controller.harness import NS, System, health, status
from tests.support.kube_objects import service

pytestmark = pytest.mark.integration
NAME = "checkout-api"
Obj = dict[str, Any]


def blue_green() -> Obj:
    labels = {"app": NAME}
    container = {"name": NAME, "image": "registry.example.com/checkout-api:1"}
    strategy = {
        "activeService": f"{NAME}-active",
        "previewService": f"{NAME}-preview",
        "autoPromotionEnabled": False,
        "scaleDownDelaySeconds": 30,
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": NAME, "namespace": NS},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
            "strategy": {"blueGreen": strategy},
        },
    }


def selector_of(system: System, name: str) -> str | None:
    found = system.kube.get("services", NS, name)
    assert found is not None
    value: str | None = found["spec"]["selector"].get(POD_TEMPLATE_HASH)
    return value


async def selects(system: System, name: str, pod_hash: str) -> None:
    """Until the Service selects `pod_hash`: the status records the decision to switch, the
    scaler patches the Service right after."""
    await system.kube.wait_for(
        "services", NS, name, lambda _: selector_of(system, name) == pod_hash
    )


async def test_blue_green_pauses_with_the_preview_and_promote_switches(system: System) -> None:
    for role in ("active", "preview"):
        system.kube.create(service(f"{NAME}-{role}", {"app": NAME}, NS))
    system.kube.create(blue_green())
    healthy = await system.wait(lambda o: status(o).get("phase") == "Healthy", NAME)
    old = status(healthy)["currentPodHash"]
    assert status(healthy)["blueGreen"]["activeSelector"] == old
    await selects(system, f"{NAME}-active", old)
    assert health(healthy) == ("Healthy", "")

    await system.plugin.set_image(NS, NAME, NAME, "registry.example.com/checkout-api:2")
    paused = await system.wait(lambda o: status(o).get("message") == "BlueGreenPause", NAME)
    state = status(paused)
    new = state["currentPodHash"]
    assert new != old and state["stableRS"] == old
    assert state["blueGreen"]["previewSelector"] == new
    assert state["blueGreen"]["activeSelector"] == old
    assert state["selector"] == f"app={NAME},{POD_TEMPLATE_HASH}={old}"
    assert state["HPAReplicas"] == 3 and state["availableReplicas"] == 3
    await selects(system, f"{NAME}-preview", new)
    assert health(paused) == ("Suspended", "BlueGreenPause")
    assert "canary" not in state or state["canary"] == {}

    await system.plugin.promote(NS, NAME)
    assert system.plugin.sent[-1] == ("status", kubectl.CLEAR_PAUSES)
    promoted = await system.wait(
        lambda o: status(o).get("phase") == "Healthy" and status(o).get("stableRS") == new, NAME
    )
    assert status(promoted)["blueGreen"]["activeSelector"] == new
    await selects(system, f"{NAME}-active", new)
    assert health(promoted) == ("Healthy", "")
