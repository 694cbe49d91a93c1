"""AnalysisRun objects on the fake API, projected from the stream by the controller.

The whole Kubernetes composition runs here with the analysis worker: a canary's step analysis
measures a web metric (a real HTTP server) and a job metric (Jobs on the fake; the test plays
the Job controller), and the run appears as an AnalysisRun object in Argo's shape. The object
is a read model: deleted, it comes back; beyond the Rollout's history limit it goes (with its
Jobs) while the stream keeps every run.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

import events.models as ev
from tests.integration.kubectl.conftest import CRDS
from tests.integration.kubernetes_controller.harness import NS, WORKERS, System, status
from tests.support.kube import FakeKube
from tests.support.kube_resources import JOBS
from tests.support.nats import ContainerNatsServer, NatsServer

pytestmark = pytest.mark.integration
Obj = dict[str, Any]
NAME = "checkout"
COMPLETE = {"conditions": [{"type": "Complete", "status": "True"}], "succeeded": 1}


def rollout(image: str) -> Obj:
    labels = {"app": NAME}
    steps = [
        {"setWeight": 50},
        {"analysis": {"templates": [{"templateName": "checks"}]}},
        {"pause": {}},
    ]
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": NAME, "namespace": NS},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": NAME, "image": image}]},
            },
            "analysis": {"successfulRunHistoryLimit": 1},
            "strategy": {"canary": {"steps": steps}},
        },
    }


def checks(url: str) -> Obj:
    """Two measurements of a web metric one second apart, and one Job."""
    container = {"name": "smoke", "image": "curl:8"}
    job = {"spec": {"backoffLimit": 0, "template": {"spec": {
        "restartPolicy": "Never", "containers": [container],
    }}}}  # fmt: skip
    rate = {
        "name": "success-rate",
        "interval": "1s",
        "count": 2,
        "successCondition": "result >= 0.95",
        "provider": {"web": {"url": url, "jsonPath": "{$.rate}"}},
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "checks", "namespace": NS},
        "spec": {"metrics": [rate, {"name": "smoke", "provider": {"job": job}}]},
    }


@pytest.fixture
async def metrics_url() -> AsyncIterator[str]:
    async def rate(_: web.Request) -> web.Response:
        return web.json_response({"rate": 0.99})

    app = web.Application()
    app.router.add_get("/rate", rate)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/rate"
    finally:
        await runner.cleanup()


async def play_job_controller(kube: FakeKube) -> None:
    """Every Job created completes at once (the fake has no Job controller)."""
    while True:
        for job in kube.objects(JOBS, NS):
            if not job.get("status"):
                kube.set_status(JOBS, NS, job["metadata"]["name"], COMPLETE)
        await asyncio.sleep(0.05)


@pytest.fixture
async def system(
    fake_kube: FakeKube, nats_server: NatsServer | ContainerNatsServer, tmp_path: Path
) -> AsyncIterator[System]:
    """The controller with the analysis worker, on a fake that serves deploy/crds."""
    fake_kube.install_crds(CRDS)
    found = System(fake_kube, nats_server.url, tmp_path)
    await found.open()
    jobs = asyncio.create_task(play_job_controller(fake_kube))
    try:
        await found.start(workers=(*WORKERS, "analysis"))
        yield found
    finally:
        jobs.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await jobs
        await found.close()


async def run_object(
    kube: FakeKube, name: str, predicate: Callable[[Obj], bool], timeout: float = 20.0
) -> Obj:
    found = await kube.wait_for(
        "analysisruns", NS, name, lambda o: o is not None and predicate(o), timeout
    )
    assert found is not None
    return found


async def released(system: System, image: str, revision: int) -> tuple[str, Obj]:
    """Apply `image`; once the rollout paused after its (successful) step analysis: the run's
    name and the Rollout object."""
    current = system.kube.get("rollouts", NS, NAME)
    if current is None:
        system.kube.create(rollout(image))
    else:
        system.kube.patch("rollouts", NS, NAME, {"spec": rollout(image)["spec"]})
    obj = await system.wait(
        lambda o: (
            status(o).get("currentStepIndex") == 2
            and status(o).get("observedGeneration") == str(revision)
        ),
        name=NAME,
        timeout=30,
    )
    # Argo's run name: <rollout>-<pod-template-hash>-<revision>-<step index>
    return f"{NAME}-{status(obj)['currentPodHash']}-{revision}-1", obj


async def test_a_step_run_is_an_argo_shaped_object_owned_by_its_rollout(
    system: System, metrics_url: str
) -> None:
    system.kube.create(checks(metrics_url))
    system.kube.create(rollout("shop/checkout:1"))
    await system.wait(lambda o: status(o).get("phase") == "Healthy", name=NAME)
    run_name, obj = await released(system, "shop/checkout:2", 2)
    pod_hash = status(obj)["currentPodHash"]
    assert run_name == f"{NAME}-{pod_hash}-2-1"
    found = await run_object(
        system.kube, run_name, lambda o: status(o).get("phase") == "Successful"
    )
    metadata = found["metadata"]
    assert metadata["labels"] == {
        "app": NAME,
        "rollouts-pod-template-hash": pod_hash,
        "rollout-type": "Step",
        "step-index": "1",
    }
    assert metadata["annotations"]["rollout.argoproj.io/revision"] == "2"
    (owner,) = metadata["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["uid"], owner["controller"]) == (
        "Rollout", NAME, obj["metadata"]["uid"], True,
    )  # fmt: skip
    assert [m["name"] for m in found["spec"]["metrics"]] == ["success-rate", "smoke"]
    run = status(found)
    assert run["startedAt"] <= run["completedAt"]
    results = {result["name"]: result for result in run["metricResults"]}
    rate, smoke = results["success-rate"], results["smoke"]
    assert (rate["phase"], rate["count"], rate["successful"]) == ("Successful", 2, 2)
    assert [m["value"] for m in rate["measurements"]] == ["0.99", "0.99"]
    for measurement in rate["measurements"]:
        assert measurement["phase"] == "Successful"
        assert measurement["startedAt"] <= measurement["finishedAt"]
    assert (smoke["phase"], smoke["count"]) == ("Successful", 1)
    assert smoke["measurements"][0]["value"] == "Complete"
    assert run["runSummary"] == {"count": 2, "successful": 2}


async def test_a_deleted_object_comes_back_and_the_limit_prunes_only_objects(
    system: System, metrics_url: str
) -> None:
    system.kube.create(checks(metrics_url))
    system.kube.create(rollout("shop/checkout:1"))
    await system.wait(lambda o: status(o).get("phase") == "Healthy", name=NAME)
    first, _ = await released(system, "shop/checkout:2", 2)
    old = await run_object(system.kube, first, lambda o: status(o).get("phase") == "Successful")
    first_jobs = [j["metadata"]["name"] for j in system.kube.objects(JOBS, NS)]
    assert len(first_jobs) == 1

    system.kube.delete("analysisruns", NS, first)
    again = await run_object(
        system.kube, first, lambda o: o["metadata"]["uid"] != old["metadata"]["uid"]
    )
    assert status(again)["metricResults"] == status(old)["metricResults"]
    events_before = len(await system.events(NAME))

    second, _ = await released(system, "shop/checkout:3", 3)
    await run_object(system.kube, second, lambda o: status(o).get("phase") == "Successful")
    gone = await system.kube.wait_for("analysisruns", NS, first, lambda o: o is None, 20)
    assert gone is None, "successfulRunHistoryLimit 1: the older Successful run's object goes"
    jobs = [j["metadata"]["name"] for j in system.kube.objects(JOBS, NS)]
    assert first_jobs[0] not in jobs and len(jobs) == 1, "its Job went with it"
    history = await system.events(NAME)
    assert len(history) > events_before
    requested = [e.run_name for e in history if isinstance(e, ev.AnalysisRunRequested)]
    assert requested == [first, second], "the stream keeps every run"
    recorded = {e.run_name for e in history if isinstance(e, ev.MeasurementRecorded)}
    assert recorded == {first, second}
