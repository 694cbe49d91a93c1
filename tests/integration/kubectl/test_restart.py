"""`kubectl argo rollouts restart` as a real kubectl sends it, and the controller acting on it.

The plugin (pkg/kubectl-argo-rollouts/cmd/restart) merge-patches the main resource with
`{"spec":{"restartAt":"<now + --in, RFC 3339 UTC>"}}`. The CRDs are installed, so the field
must survive the schema (a pruned restartAt would be a restart silently lost), and the status
the controller writes (`restartedAt`) must fit it too.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

import events.models as ev
from tests.integration.kubectl.kubectl import Kubectl, needs_kubectl
from tests.integration.kubectl.test_plugin_patches import (
    MERGE,
    KubectlPlugin,
    deployed,
    no_pruned_writes,
    rollout,
)
from tests.integration.kubernetes_controller import plugin
from tests.integration.kubernetes_controller.harness import System, status

pytestmark = [pytest.mark.integration, needs_kubectl]


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_restart_patch_restarts_every_pod(system: System, kubectl: Kubectl) -> None:
    cli = KubectlPlugin(kubectl)
    await deployed(system, kubectl, rollout(replicas=2))
    pods = {p["metadata"]["name"] for p in system.kube.objects("pods")}
    await asyncio.sleep(1.1)  # creationTimestamp has whole seconds
    at = rfc3339(datetime.now(UTC))
    await cli.patch(plugin.RESTART % at)
    assert (await cli.get())["spec"]["restartAt"] == at  # kept by the CRD's schema
    done = await system.wait(lambda o: status(o).get("restartedAt") == at, timeout=30)
    assert status(done)["observedGeneration"] == "2"
    assert not {p["metadata"]["name"] for p in system.kube.objects("pods")} & pods
    received = [
        r.body
        for r in system.kube.requests_for("patch", "rollouts")
        if r.user_agent.startswith("kubectl/") and r.content_type == MERGE
    ]
    assert received[-1] == {"spec": {"restartAt": at}}
    finished = [e for e in await system.events() if isinstance(e, ev.RolloutRestarted)]
    assert [e.cancelled for e in finished] == [False]
    no_pruned_writes(system)


async def test_restart_in_the_future_is_progressing_until_then(
    system: System, kubectl: Kubectl
) -> None:
    cli = KubectlPlugin(kubectl)
    await deployed(system, kubectl, rollout(replicas=2))
    at = rfc3339(datetime.now(UTC) + timedelta(hours=1))
    await cli.patch(plugin.RESTART % at)
    waiting = await system.wait(lambda o: status(o).get("observedGeneration") == "2")
    assert (status(waiting)["phase"], status(waiting)["message"]) == (
        "Progressing",
        "rollout is restarting",
    )
    assert "restartedAt" not in status(waiting)
    await asyncio.sleep(0.5)
    assert not system.kube.requests_for("create", "pods", "eviction")
    no_pruned_writes(system)
