"""`kubectl get/delete analysisruns` against the runs the controller projects from the stream.

The controller (with the analysis worker) takes a canary through a step analysis; a real
kubectl then lists the run with the CRD's printer columns, reads Argo's shape of it, and
deletes it: the object comes back (it is a read model), and the rollout does not notice.
"""

from __future__ import annotations

import pytest

from tests.integration.kubectl.kubectl import Kubectl, needs_kubectl
from tests.integration.kubernetes_controller.harness import NS, System, status
from tests.integration.kubernetes_controller.test_analysisrun_objects import (
    NAME,
    checks,
    metrics_url,
    released,
    rollout,
    run_object,
    system,
)

pytestmark = [pytest.mark.integration, needs_kubectl]
__all__ = ["metrics_url", "system"]


async def finished_run(system: System) -> str:
    system.kube.create(rollout("shop/checkout:1"))
    await system.wait(lambda o: status(o).get("phase") == "Healthy", name=NAME)
    run_name, _ = await released(system, "shop/checkout:2", 2)
    await run_object(system.kube, run_name, lambda o: status(o).get("phase") == "Successful")
    return run_name


async def test_kubectl_lists_reads_and_deletes_a_projected_run(
    system: System, kubectl: Kubectl, metrics_url: str
) -> None:
    system.kube.create(checks(metrics_url))
    run_name = await finished_run(system)

    rows = (await kubectl.ok("get", "analysisruns", "-n", NS)).lines()
    assert rows[0] == ["NAME", "STATUS", "AGE"]
    assert [row[:2] for row in rows[1:]] == [[run_name, "Successful"]]
    both = (await kubectl.ok("get", "rollouts,ar", "-n", NS)).out
    assert f"rollout.argoproj.io/{NAME}" in both and f"analysisrun.argoproj.io/{run_name}" in both

    found = await kubectl.json("get", "analysisrun", run_name, "-n", NS, "-o", "json")
    (owner,) = found["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["controller"]) == ("Rollout", NAME, True)
    results = {r["name"]: r for r in found["status"]["metricResults"]}
    assert [m["value"] for m in results["success-rate"]["measurements"]] == ["0.99", "0.99"]

    before = status(system.kube.get("rollouts", NS, NAME))
    deleted = await kubectl.ok("delete", "analysisrun", run_name, "-n", NS)
    assert deleted.out.strip() == f'analysisrun.argoproj.io "{run_name}" deleted'
    again = await run_object(
        system.kube, run_name, lambda o: o["metadata"]["uid"] != found["metadata"]["uid"]
    )
    assert status(again)["metricResults"] == found["status"]["metricResults"]
    after = status(system.kube.get("rollouts", NS, NAME))
    assert (after["phase"], after["currentStepIndex"]) == (before["phase"], 2)
