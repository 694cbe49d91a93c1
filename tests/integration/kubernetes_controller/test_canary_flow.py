"""The seed's payments-api Rollout applied as an object: ReplicaSets, status, plugin commands.

Each command is `kubectl argo rollouts ...` with the plugin's own patches (plugin.py); the
controller reads them from the watch, the stream records what it decided, and the status it
writes back is what the plugin and Argo CD read.
"""

from __future__ import annotations

from typing import Any

import pytest

import events.models as ev
from adapters.analysis.templates import KvTemplateStore
from adapters.kubernetes import DESIRED_REPLICAS, POD_TEMPLATE_HASH, REVISION
from events.phases import AnalysisPhase
from tests.integration.kubernetes_controller import plugin as kubectl
from tests.integration.kubernetes_controller.harness import (
    NAME,
    NS,
    System,
    health,
    payments,
    seed,
    status,
    template,
)

pytestmark = pytest.mark.integration
V2 = "registry.example.com/payments-api:2.0.0"
Obj = dict[str, Any]


def conditions(obj: Obj) -> dict[str, tuple[str, str]]:
    return {c["type"]: (c["status"], c["reason"]) for c in status(obj).get("conditions") or []}


async def deployed(system: System) -> Obj:
    """The seed Rollout and its AnalysisTemplates created, revision 1 Healthy."""
    system.kube.create(_in_namespace())
    system.kube.create(template("payments-p99-latency"))
    system.kube.create(template("payments-business-metrics"))
    system.kube.create(payments())
    return await system.wait(
        lambda o: status(o).get("phase") == "Healthy" and status(o).get("observedGeneration") == "1"
    )


def _in_namespace() -> Obj:
    found = seed("payments-success-rate-template.yaml")
    found["metadata"]["namespace"] = NS
    return found


async def at_analysis_step(system: System) -> Obj:
    """Revision 2 rolled out to the first analysis step (index 1), its run pending."""
    await deployed(system)
    await system.plugin.set_image(NS, NAME, "payments-api", V2)
    return await system.wait(
        lambda o: (
            status(o).get("currentStepIndex") == 1
            and status(o).get("observedGeneration") == "2"
            and bool(status(o).get("canary", {}).get("currentStepAnalysisRunStatus"))
        )
    )


async def test_the_seed_rollout_gets_argo_replica_sets_and_status(system: System) -> None:
    obj = await deployed(system)
    state = status(obj)
    pod_hash = state["currentPodHash"]
    (rs,) = system.replica_sets()
    assert rs["metadata"]["name"] == f"{NAME}-{pod_hash}" and state["stableRS"] == pod_hash
    assert rs["metadata"]["labels"][POD_TEMPLATE_HASH] == pod_hash
    assert rs["metadata"]["annotations"][REVISION] == "1"
    assert rs["metadata"]["annotations"][DESIRED_REPLICAS] == "40"
    (owner,) = rs["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["uid"]) == ("Rollout", NAME, obj["metadata"]["uid"])
    assert owner["controller"] is True
    assert rs["spec"]["template"]["metadata"]["labels"]["version"] == "stable"
    counts = ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "HPAReplicas")
    assert [state[key] for key in counts] == [40] * 5
    assert state["selector"] == "app=payments-api" and state["currentStepIndex"] == 9
    assert conditions(obj) == {
        "Progressing": ("True", "NewReplicaSetAvailable"),
        "Available": ("True", "AvailableReason"),
        "Healthy": ("True", "RolloutHealthy"),
        "Completed": ("True", "RolloutCompleted"),
    }
    assert health(obj) == ("Healthy", "")
    store = KvTemplateStore(system.client.js)
    for name in ("payments-success-rate", "payments-p99-latency", "payments-business-metrics"):
        assert await store.get("AnalysisTemplate", NS, name) is not None, name
    accepted, applied = (await system.events())[:2]
    assert isinstance(accepted, ev.CommandAccepted) and accepted.command == "apply"
    assert accepted.actor == "kubernetes"
    assert isinstance(applied, ev.SpecApplied) and applied.manifest["metadata"]["generation"] == 1


async def test_an_update_progresses_to_the_analysis_step(system: System) -> None:
    obj = await at_analysis_step(system)
    state = status(obj)
    assert state["phase"] == "Progressing" and state["currentPodHash"] != state["stableRS"]
    run = state["canary"]["currentStepAnalysisRunStatus"]
    assert run["status"] == "Pending" and run["name"]
    weights = state["canary"]["weights"]
    assert (weights["canary"]["weight"], weights["stable"]["weight"]) == (5, 95)
    assert weights["canary"]["podTemplateHash"] == state["currentPodHash"]
    new = next(
        rs
        for rs in system.replica_sets()
        if rs["metadata"]["name"].endswith(state["currentPodHash"])
    )
    assert new["metadata"]["annotations"][REVISION] == "2"
    assert new["spec"]["template"]["spec"]["containers"][0]["image"] == V2
    assert new["spec"]["template"]["metadata"]["labels"]["version"] == "canary"
    assert health(obj)[0] == "Progressing"
    unobserved = [
        change.obj
        for change in system.kube.changes("rollouts")
        if change.obj["metadata"]["generation"] == 2
        and status(change.obj).get("observedGeneration") == "1"
    ]
    assert unobserved, "the set-image write itself is a version with the old observedGeneration"
    assert health(unobserved[0]) == (
        "Progressing",
        "Waiting for rollout spec update to be observed",
    )


async def test_promote_skips_the_analysis_step_then_ends_the_pause(system: System) -> None:
    await at_analysis_step(system)
    await system.plugin.promote(NS, NAME)
    assert system.plugin.sent[-1] == ("status", kubectl.CLEAR_PAUSES_WITH_STEP % 2)
    paused = await system.wait(lambda o: status(o).get("phase") == "Paused")
    state = status(paused)
    assert state["currentStepIndex"] == 2 and state["controllerPause"] is True
    assert [c["reason"] for c in state["pauseConditions"]] == ["CanaryPauseStep"]
    assert health(paused) == ("Suspended", "CanaryPauseStep")
    await system.plugin.promote(NS, NAME)
    assert system.plugin.sent[-1] == ("status", kubectl.CLEAR_PAUSES)
    moved = await system.wait(lambda o: status(o).get("currentStepIndex") == 4)
    assert status(moved)["canary"]["weights"]["canary"]["weight"] == 25
    assert "pauseConditions" not in status(moved)
    events = await system.events()
    promotes = [e for e in events if isinstance(e, ev.CommandAccepted) and e.command == "promote"]
    assert [e.actor for e in promotes] == ["kubernetes", "kubernetes"]
    assert any(isinstance(e, ev.AnalysisRunTerminationRequested) for e in events)
    assert any(isinstance(e, ev.StepsSkipped) and e.step_index == 2 for e in events)
    assert any(isinstance(e, ev.PauseConditionsCleared) for e in events)


async def test_abort_then_retry(system: System) -> None:
    await at_analysis_step(system)
    await system.plugin.abort(NS, NAME)
    aborted = await system.wait(lambda o: status(o).get("phase") == "Degraded")
    state = status(aborted)
    assert state["abort"] is True and state["abortedAt"]
    assert state["message"] == "RolloutAborted: Rollout aborted update to revision 2"
    assert conditions(aborted)["Progressing"] == ("False", "RolloutAborted")
    assert health(aborted) == ("Degraded", state["message"])
    await system.wait(lambda o: status(o)["canary"]["weights"]["canary"]["weight"] == 0)
    await system.plugin.retry(NS, NAME)
    assert system.plugin.sent[-1] == ("status", kubectl.RETRY)
    retried = await system.wait(
        lambda o: "abort" not in status(o) and status(o).get("currentStepIndex") == 1
    )
    assert status(retried)["phase"] == "Progressing"
    commands = [e.command for e in await system.events() if isinstance(e, ev.CommandAccepted)]
    assert commands[-2:] == ["abort", "retry"]


async def test_inconclusive_analysis_pauses_and_promote_moves_on(system: System) -> None:
    await at_analysis_step(system)
    await system.report_step_run(AnalysisPhase.INCONCLUSIVE)
    paused = await system.wait(lambda o: status(o).get("phase") == "Paused")
    state = status(paused)
    assert [c["reason"] for c in state["pauseConditions"]] == ["InconclusiveAnalysisRun"]
    assert state["canary"]["currentStepAnalysisRunStatus"]["status"] == "Inconclusive"
    assert health(paused) == ("Suspended", "InconclusiveAnalysisRun")
    await system.plugin.promote(NS, NAME)
    assert system.plugin.sent[-1] == ("status", kubectl.CLEAR_PAUSES_AND_CONTROLLER_PAUSE % 2)
    moved = await system.wait(lambda o: status(o).get("message") == "CanaryPauseStep")
    assert status(moved)["currentStepIndex"] == 2
    assert [c["reason"] for c in status(moved)["pauseConditions"]] == ["CanaryPauseStep"]


async def test_failed_analysis_aborts(system: System) -> None:
    await at_analysis_step(system)
    await system.report_step_run(AnalysisPhase.FAILED)
    aborted = await system.wait(lambda o: status(o).get("phase") == "Degraded")
    assert status(aborted)["abort"] is True
    assert status(aborted)["canary"]["currentStepAnalysisRunStatus"]["status"] == "Failed"
    assert health(aborted)[0] == "Degraded"


async def test_promote_full_and_skip_current_step(system: System) -> None:
    await at_analysis_step(system)
    await system.plugin.skip_current_step(NS, NAME)
    assert system.plugin.sent[-1] == ("status", kubectl.SET_STEP % 2)
    await system.wait(lambda o: status(o).get("currentStepIndex") == 2)
    await system.plugin.promote(NS, NAME, full=True)
    assert system.plugin.sent[-1] == ("status", kubectl.PROMOTE_FULL)
    done = await system.wait(lambda o: status(o).get("phase") == "Healthy")
    state = status(done)
    assert state["stableRS"] == state["currentPodHash"] and "promoteFull" not in state
    assert health(done) == ("Healthy", "")
    events = await system.events()
    assert any(isinstance(e, ev.FullPromotionRequested) for e in events)


async def test_manual_pause_then_promote(system: System) -> None:
    steps: list[dict[str, Any]] = [
        {"setWeight": 20},
        {"pause": {}},
        {"setWeight": 50},
        {"pause": {"duration": 1}},
    ]
    system.kube.create(payments(replicas=4, steps=steps))
    await system.wait(lambda o: status(o).get("phase") == "Healthy")
    await system.plugin.set_image(NS, NAME, "payments-api", V2)
    await system.wait(lambda o: status(o).get("phase") == "Paused")
    await system.plugin.pause(NS, NAME)
    paused = await system.wait(lambda o: status(o).get("observedGeneration") == "3")
    assert status(paused)["message"] == "manually paused"
    assert health(paused) == ("Suspended", "manually paused")
    await system.plugin.promote(NS, NAME)
    assert system.plugin.sent[-2:] == [("status", kubectl.CLEAR_PAUSES), ("", kubectl.UNPAUSE)]
    done = await system.wait(
        lambda o: status(o).get("phase") == "Healthy" and status(o)["observedGeneration"] == "4"
    )
    assert status(done)["stableRS"] == status(done)["currentPodHash"]
    assert health(done) == ("Healthy", "")
    pauses = [e.paused for e in await system.events() if isinstance(e, ev.ManualPauseChanged)]
    assert pauses[:2] == [True, False]


async def test_an_abort_right_after_an_update_aborts_the_update(system: System) -> None:
    """The abort may be read before the controller decided the new spec: it is decided after
    it, in the order the watcher published them, never refused against the older state."""
    await deployed(system)
    await system.plugin.set_image(NS, NAME, "payments-api", V2)
    await system.plugin.abort(NS, NAME)
    aborted = await system.wait(lambda o: status(o).get("phase") == "Degraded")
    assert status(aborted)["message"] == "RolloutAborted: Rollout aborted update to revision 2"
