"""A Rollout deleted in the cluster (issue 12): its life ends on the stream, its ReplicaSets
are left to the garbage collector, and the same name created again starts a new life."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import events.models as ev
from events.base import Event
from tests.integration.kubernetes_controller.harness import NAME, NS, System, payments, status

pytestmark = pytest.mark.integration
STEPS: list[dict[str, Any]] = [{"setWeight": 25}, {"pause": {}}]


async def _deleted_on_stream(system: System, lives: int = 1) -> list[Event]:
    async with asyncio.timeout(10):
        while True:
            events = await system.events()
            if len([e for e in events if isinstance(e, ev.RolloutDeleted)]) >= lives:
                return events
            await asyncio.sleep(0.02)


def _collect_garbage(system: System) -> None:
    """What the cluster's garbage collector does once the owner is gone (the fake has none)."""
    for rs in system.replica_sets():
        system.kube.delete("replicasets", NS, rs["metadata"]["name"])


async def test_a_deleted_rollout_ends_its_life_and_leaves_its_replica_sets(
    system: System,
) -> None:
    created = system.kube.create(payments(replicas=2, steps=STEPS))
    await system.wait(lambda o: status(o).get("phase") == "Healthy")
    system.kube.delete("rollouts", NS, NAME)
    events = await _deleted_on_stream(system)
    deleted = events[-1]
    assert isinstance(deleted, ev.RolloutDeleted)
    assert deleted.reason == "RolloutObjectDeleted" and deleted.life == 1
    assert created["metadata"]["uid"] in deleted.message
    assert system.replica_sets(), "left to the garbage collector"
    assert system.kube.requests_for("delete", "replicasets") == []
    state = await system.client.state(NS, NAME)
    assert state is not None and state.deleted and state.replica_sets == {}


async def test_a_rollout_created_again_at_once_starts_a_new_life(system: System) -> None:
    system.kube.create(payments(replicas=2, steps=STEPS))
    await system.wait(lambda o: status(o).get("phase") == "Healthy")
    system.kube.delete("rollouts", NS, NAME)
    _collect_garbage(system)
    again = system.kube.create(payments(replicas=2, steps=STEPS))  # the same manifest
    healthy = await system.wait(
        lambda o: (
            o["metadata"]["uid"] == again["metadata"]["uid"]
            and status(o).get("phase") == "Healthy"
            and status(o).get("availableReplicas") == 2
        )
    )
    assert status(healthy)["observedGeneration"] == "1"
    events = await _deleted_on_stream(system)
    kinds = [type(e).__name__ for e in events]
    after = kinds[kinds.index("RolloutDeleted") :]
    assert after[:3] == ["RolloutDeleted", "CommandAccepted", "SpecApplied"]
    state = await system.client.state(NS, NAME)
    assert state is not None and not state.deleted and state.revision == 1
    assert state.lives_ended == 1 and state.fully_promoted
    (rs,) = system.replica_sets()
    assert rs["metadata"]["ownerReferences"][0]["uid"] == again["metadata"]["uid"]
