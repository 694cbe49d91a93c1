"""`kubectl argo rollouts restart` against the controller on the fake Kubernetes API.

The plugin's merge patch of `spec.restartAt` is a new generation the watcher applies; the
controller evicts the pods created before that time through the pods/eviction subresource (one
at a time for four replicas at maxUnavailable 25%), the fake ReplicaSet controller replaces
each, and `status.restartedAt` is written back with phase Progressing `rollout is restarting`
until then. An eviction a PodDisruptionBudget refuses (429) is retried at the next check.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import events.models as ev
from adapters.kubernetes import POD_TEMPLATE_HASH
from tests.integration.kubernetes_controller.harness import NAME, NS, System, payments, status

pytestmark = pytest.mark.integration
Obj = dict[str, Any]


async def deployed(system: System, replicas: int = 4) -> Obj:
    system.kube.create(payments(replicas=replicas, steps=[{"setWeight": 50}, {"pause": {}}]))
    return await system.wait(
        lambda o: status(o).get("phase") == "Healthy" and status(o).get("availableReplicas") == 4
    )


def pods(system: System, pod_hash: str) -> dict[str, str]:
    """Name -> creationTimestamp of the ReplicaSet's pods."""
    return {
        pod["metadata"]["name"]: pod["metadata"]["creationTimestamp"]
        for pod in system.kube.objects("pods", NS)
        if pod["metadata"].get("labels", {}).get(POD_TEMPLATE_HASH) == pod_hash
    }


def evictions(system: System) -> list[str]:
    return [
        r.path.rsplit("/", 2)[-2]
        for r in system.kube.requests
        if r.method == "POST" and r.path.endswith("/eviction")
    ]


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def restart_now(system: System) -> str:
    await asyncio.sleep(1.1)  # creationTimestamp and restartAt have whole seconds
    at = rfc3339(datetime.now(UTC))
    await system.plugin.restart(NS, NAME, at)
    return at


async def test_the_plugins_restart_evicts_every_old_pod_and_records_restarted_at(
    system: System,
) -> None:
    obj = await deployed(system)
    pod_hash = status(obj)["currentPodHash"]
    before = pods(system, pod_hash)
    at = await restart_now(system)
    restarting = await system.wait(lambda o: status(o).get("message") == "rollout is restarting")
    assert status(restarting)["phase"] == "Progressing"
    done = await system.wait(lambda o: status(o).get("restartedAt") == at, timeout=30)
    assert status(done)["currentPodHash"] == pod_hash  # no new revision
    assert sorted(evictions(system)) == sorted(before)
    history = await system.events()
    batches = [e for e in history if isinstance(e, ev.PodEvictionRequested)]
    assert [len(b.pods) for b in batches] == [1, 1, 1, 1]
    assert not [e for e in history if isinstance(e, ev.RevisionCreated)][1:]
    healthy = await system.wait(lambda o: status(o).get("phase") == "Healthy", timeout=15)
    after = pods(system, pod_hash)
    assert len(after) == 4 and not set(after) & set(before)
    assert all(created >= at for created in after.values())
    assert status(healthy)["restartedAt"] == at


@pytest.mark.slow
async def test_a_disruption_budgets_refusal_is_retried_at_the_next_check(system: System) -> None:
    await deployed(system, replicas=4)
    refusal = system.kube.fail_next(429, verbs={"create"}, resource="pods", subresource="eviction")
    at = await restart_now(system)
    done = await system.wait(lambda o: status(o).get("restartedAt") == at, timeout=60)
    assert refusal.hits == 1
    history = await system.events()
    refused = [e for e in history if isinstance(e, ev.PodsEvicted) and e.refused]
    assert len(refused) == 1 and "429" in refused[0].message
    checks = [e for e in history if isinstance(e, ev.RestartPodsCheckRequested)]
    retry = next(c for c in checks if c.at > refused[0].at)
    assert retry.at - refused[0].at >= timedelta(seconds=25)  # the 30 s check, not a spin
    assert status(done)["phase"] in ("Progressing", "Healthy")
