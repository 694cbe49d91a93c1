"""The controller restarted mid-rollout, a conflicting status write, an expired watch."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import events.models as ev
from tests.integration.kubernetes_controller.harness import NAME, NS, System, payments, status

pytestmark = pytest.mark.integration
STEPS: list[dict[str, Any]] = [{"setWeight": 25}, {"pause": {}}, {"setWeight": 50}, {"pause": {}}]
V2 = "registry.example.com/payments-api:2"
Obj = dict[str, Any]


async def paused_at_first_pause(system: System) -> Obj:
    system.kube.create(payments(replicas=4, steps=STEPS))
    await system.wait(lambda o: status(o).get("phase") == "Healthy")
    await system.plugin.set_image(NS, NAME, "payments-api", V2)
    return await system.wait(lambda o: status(o).get("message") == "CanaryPauseStep")


def status_writes(system: System) -> int:
    return len(system.kube.requests_for("patch", "rollouts", "status"))


async def settled(system: System) -> None:
    """Until the status writer has nothing left to write."""
    assert system.app is not None and system.app.writer is not None
    writer = system.app.writer
    async with asyncio.timeout(5):
        while not writer.idle:
            await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)


async def test_a_restart_mid_rollout_resumes_without_duplicates(system: System) -> None:
    await paused_at_first_pause(system)
    await settled(system)
    events = len(await system.events())
    creates = len(system.kube.requests_for("create", "replicasets"))
    writes = status_writes(system)
    await system.stop()
    await system.start()
    await settled(system)
    assert len(system.replica_sets()) == 2
    assert len(system.kube.requests_for("create", "replicasets")) == creates
    assert len(await system.events()) == events, "nothing re-applied or re-decided"
    assert status_writes(system) == writes, "the status was already current"
    await system.plugin.promote(NS, NAME)
    moved = await system.wait(lambda o: status(o).get("currentStepIndex") == 3)
    assert status(moved)["message"] == "CanaryPauseStep"


async def test_an_abort_sent_while_the_controller_is_down_is_honoured(system: System) -> None:
    await paused_at_first_pause(system)
    await settled(system)
    await system.stop()
    await system.plugin.abort(NS, NAME)
    await system.start()
    aborted = await system.wait(lambda o: status(o).get("phase") == "Degraded")
    assert status(aborted)["abort"] is True


async def test_a_pause_cleared_while_the_controller_is_down_is_put_back(system: System) -> None:
    """Without the version before the change, a cleared pause cannot be told from a status the
    controller had not rewritten yet; the controller keeps its own and the user promotes again."""
    await paused_at_first_pause(system)
    await settled(system)
    await system.stop()
    await system.plugin.promote(NS, NAME)
    await system.start()
    restored = await system.wait(lambda o: bool(status(o).get("pauseConditions")))
    assert status(restored)["currentStepIndex"] == 1
    assert not [e for e in await system.events() if isinstance(e, ev.PauseConditionsCleared)]


async def test_a_conflicting_status_write_is_read_again_and_retried(system: System) -> None:
    system.kube.fail_next(409, times=3, resource="rollouts", subresource="status")
    system.kube.create(payments(replicas=4, steps=STEPS))
    await system.wait(lambda o: status(o).get("phase") == "Healthy")
    assert system.app is not None and system.app.writer is not None
    assert system.app.writer.conflicts >= 3
    assert len(system.kube.requests_for("get", "rollouts", None)) >= 3


async def test_a_failing_status_write_backs_off_and_succeeds_later(system: System) -> None:
    system.kube.fail_next(500, times=2, resource="rollouts", subresource="status")
    system.kube.create(payments(replicas=4, steps=STEPS))
    await system.wait(lambda o: status(o).get("phase") == "Healthy")


async def test_an_expired_watch_lists_again_without_reapplying(system: System) -> None:
    await paused_at_first_pause(system)
    await settled(system)
    assert system.app is not None and system.app.watcher is not None
    (informer,) = system.app.watcher.informers
    lists, events = informer.lists, len(await system.events())
    system.kube.compact()
    system.kube.end_watches(expired=True)
    async with asyncio.timeout(5):
        while informer.lists == lists:
            await asyncio.sleep(0.02)
    await settled(system)
    assert len(await system.events()) == events, "a relist re-applies nothing"
    system.kube.compact()
    system.kube.patch("rollouts", NS, NAME, {"spec": {"paused": True}})
    system.kube.end_watches(expired=True)
    paused = await system.wait(lambda o: status(o).get("observedGeneration") == "3")
    assert status(paused)["message"] == "manually paused"
    applied = [e for e in await system.events() if isinstance(e, ev.SpecApplied)]
    assert [e.manifest["metadata"]["generation"] for e in applied] == [1, 2, 3]
