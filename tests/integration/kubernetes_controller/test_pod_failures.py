"""Pods that cannot start (issue 12), through the fake API: the scaler's process reads the new
ReplicaSet's container waiting reasons, the controller records them, and the progress deadline
degrades the rollout with the reason in its message (as `kubectl argo rollouts` would show)."""

from __future__ import annotations

from typing import Any

import pytest

import adapters.workers.pod_failures as pod_watch
import events.models as ev
from adapters.kubernetes.manifests import POD_TEMPLATE_HASH
from tests.integration.kubernetes_controller.harness import NAME, NS, System, payments, status

pytestmark = pytest.mark.integration
STEPS: list[dict[str, Any]] = [{"setWeight": 50}, {"pause": {}}]
PULL_MESSAGE = 'Back-off pulling image "registry.example/payments:nope"'


@pytest.fixture(autouse=True)
def quick_rounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pod_watch, "INTERVAL", 0.05)


def stuck_pod(pod_hash: str, rs: dict[str, Any]) -> dict[str, Any]:
    """A pod of the ReplicaSet whose image cannot be pulled, as the kubelet reports it."""
    waiting = {"reason": "ImagePullBackOff", "message": PULL_MESSAGE}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"{rs['metadata']['name']}-x1",
            "namespace": NS,
            "labels": {POD_TEMPLATE_HASH: pod_hash},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": rs["metadata"]["name"],
                    "uid": rs["metadata"]["uid"],
                    "controller": True,
                }
            ],
        },
        "spec": {"containers": [{"name": "payments-api", "image": "payments:nope"}]},
        "status": {
            "phase": "Pending",
            "containerStatuses": [
                {"name": "payments-api", "ready": False, "state": {"waiting": waiting}}
            ],
        },
    }


async def test_an_image_that_cannot_be_pulled_degrades_with_its_reason(system: System) -> None:
    rollout = payments(replicas=2, steps=STEPS)
    rollout["spec"]["progressDeadlineSeconds"] = 2
    system.kube.create(rollout)
    healthy = await system.wait(lambda o: status(o).get("phase") == "Healthy")
    stable = status(healthy)["currentPodHash"]
    system.kube.replicasets.enabled = False  # no kubelet: the new pods never start
    rollout["spec"]["template"]["spec"]["containers"][0]["image"] = "payments:nope"
    system.kube.patch("rollouts", NS, NAME, {"spec": rollout["spec"]})
    progressing = await system.wait(lambda o: status(o).get("currentPodHash") not in (None, stable))
    pod_hash = status(progressing)["currentPodHash"]
    name = f"{NAME}-{pod_hash}"
    rs = await system.kube.wait_for("replicasets", NS, name, lambda o: o is not None, 10)
    assert rs is not None
    system.kube.create(stuck_pod(pod_hash, rs), keep_status=True)
    degraded = await system.wait(lambda o: status(o).get("phase") == "Degraded", timeout=20)
    message = status(degraded)["message"]
    assert message == (
        f'ProgressDeadlineExceeded: ReplicaSet "{NAME}-{pod_hash}" has timed out progressing. '
        f"pod {NAME}-{pod_hash}-x1: ImagePullBackOff: {PULL_MESSAGE}"
    )
    recorded = [e for e in await system.events() if isinstance(e, ev.PodFailuresRecorded)]
    assert [(e.pod_template_hash, [f.reason for f in e.failures]) for e in recorded] == [
        (pod_hash, ["ImagePullBackOff"])
    ]
