"""Objects that are not a plain rollout: an invalid spec, a deleted Rollout, a rollout with no
object (the local CLI's), a namespace outside the watch, and analysis templates."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import events.inputs as inp
from adapters.analysis.templates import KvTemplateStore
from tests.integration.kubernetes_controller.harness import (
    NAME,
    NS,
    System,
    health,
    payments,
    status,
    template,
)
from tests.support.sim import rollout_manifest

pytestmark = pytest.mark.integration
STEPS: list[dict[str, Any]] = [{"setWeight": 25}, {"pause": {}}]


def condition_types(obj: dict[str, object]) -> dict[str, str]:
    found = status(obj).get("conditions") or []
    assert isinstance(found, list)
    return {c["type"]: c["status"] for c in found}


async def test_an_invalid_spec_is_reported_in_the_status_as_argo_does(system: System) -> None:
    system.kube.create(payments(replicas=4, steps=[{"setWeight": 250}]))
    refused = await system.wait(lambda o: status(o).get("phase") == "Degraded")
    state = status(refused)
    assert state["message"].startswith("InvalidSpec: ") and "setWeight" in state["message"]
    assert state["observedGeneration"] == "1"
    assert condition_types(refused) == {"InvalidSpec": "True"}
    assert health(refused) == ("Degraded", state["message"])
    assert await system.events() == [], "a refused spec appends nothing"
    system.kube.patch("rollouts", NS, NAME, {"spec": {"strategy": {"canary": {"steps": STEPS}}}})
    fixed = await system.wait(lambda o: status(o).get("phase") == "Healthy")
    assert status(fixed)["observedGeneration"] == "2"
    assert "InvalidSpec" not in condition_types(fixed)


async def test_an_invalid_update_keeps_the_running_revision(system: System) -> None:
    system.kube.create(payments(replicas=4, steps=STEPS))
    healthy = await system.wait(lambda o: status(o).get("phase") == "Healthy")
    pod_hash = status(healthy)["currentPodHash"]
    system.kube.patch("rollouts", NS, NAME, {"spec": {"replicas": -1}})
    refused = await system.wait(lambda o: status(o).get("observedGeneration") == "2")
    assert status(refused)["phase"] == "Degraded"
    assert status(refused)["currentPodHash"] == pod_hash
    assert condition_types(refused)["InvalidSpec"] == "True"
    assert condition_types(refused)["Available"] == "True"


async def test_a_deleted_rollout_is_no_longer_written(system: System) -> None:
    system.kube.create(payments(replicas=4, steps=STEPS))
    await system.wait(lambda o: status(o).get("phase") == "Healthy")
    system.kube.delete("rollouts", NS, NAME)
    assert system.app is not None and system.app.watcher is not None
    async with asyncio.timeout(5):
        while system.app.book.object((NS, NAME)) is not None:
            await asyncio.sleep(0.02)
    writes = len(system.kube.requests_for("patch", "rollouts", "status"))
    state = await system.client.state(NS, NAME)
    assert state is not None
    scale = inp.ReplicaSetObserved(
        input_id="test:late-report",
        pod_template_hash=state.current_pod_hash or "",
        replicas=3,
        ready_replicas=3,
        available_replicas=3,
    )
    await system.client.send(NS, NAME, scale)
    await asyncio.sleep(0.3)
    assert len(system.kube.requests_for("patch", "rollouts", "status")) == writes


async def test_a_rollout_with_no_object_is_left_alone(system: System) -> None:
    manifest = rollout_manifest("local-only", replicas=1)
    outcome = await system.client.send(
        "default", "local-only", inp.ApplySpec(input_id="test:local", manifest=manifest)
    )
    assert outcome.status == "accepted"
    await asyncio.sleep(0.3)
    writes = system.kube.requests_for("patch", "rollouts", "status")
    assert [r for r in writes if "local-only" in r.path] == [], "no status write"
    assert system.replica_sets("local-only", "default"), (
        "the platform still runs it (without an owner)"
    )


async def test_only_the_watched_namespaces_are_managed(system: System) -> None:
    await system.stop()
    await system.start(namespaces=[NS])
    elsewhere = payments(replicas=2, steps=STEPS)
    elsewhere["metadata"]["namespace"] = "staging"
    system.kube.create(elsewhere)
    system.kube.create(payments(replicas=2, steps=STEPS))
    await system.wait(lambda o: status(o).get("phase") == "Healthy")
    assert await system.client.history("staging", NAME) == []
    assert status(system.kube.get("rollouts", "staging", NAME)) == {}


async def test_analysis_templates_follow_the_cluster(system: System) -> None:
    store = KvTemplateStore(system.client.js)
    system.kube.create(template("error-rate"))
    cluster_wide = template("shared-smoke") | {"kind": "ClusterAnalysisTemplate"}
    del cluster_wide["metadata"]["namespace"]
    system.kube.create(cluster_wide)
    broken = template("broken")
    broken["spec"]["metrics"] = [{"name": "m", "provider": {"web": {}}, "count": "x"}]
    system.kube.create(broken)
    async with asyncio.timeout(5):  # two watches, two kinds: either may come first
        while (
            await store.get("ClusterAnalysisTemplate", "", "shared-smoke") is None
            or (stored := await store.get("AnalysisTemplate", NS, "error-rate")) is None
        ):
            await asyncio.sleep(0.02)
    assert stored.spec.args[0].value == "x"
    assert await store.get("AnalysisTemplate", NS, "broken") is None
    system.kube.patch(
        "analysistemplates",
        NS,
        "error-rate",
        {"spec": {"args": [{"name": "service", "value": "y"}]}},
    )
    async with asyncio.timeout(5):
        while (found := await store.get("AnalysisTemplate", NS, "error-rate")) is None or (
            found.spec.args[0].value != "y"
        ):
            await asyncio.sleep(0.02)
    assert len(await store.history("AnalysisTemplate", NS, "error-rate")) == 2
