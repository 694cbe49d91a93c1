"""Argo CD's health of our Rollouts: what its check reads from the status we write.

First the Lua restatement of the check itself, on hand-written objects (so the verdicts below
mean what Argo CD would say); then every version of a Rollout object through a whole update,
judged as Argo CD judges it at each moment it could look.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.kubernetes_controller.harness import (
    NAME,
    NS,
    System,
    health,
    payments,
    status,
)

pytestmark = pytest.mark.integration
Obj = dict[str, Any]


def rollout(
    status_fields: Obj | None, *, generation: int = 2, strategy: str = "canary", **spec: Any
) -> Obj:
    obj: Obj = {
        "metadata": {"name": "x", "generation": generation},
        "spec": {"replicas": 2, "strategy": {strategy: {}}, **spec},
    }
    if status_fields is not None:
        obj["status"] = status_fields
    return obj


OBSERVED = {"observedGeneration": "2"}
DONE = {"currentPodHash": "a", "stableRS": "a", "replicas": 2, "updatedReplicas": 2}
DONE |= {"availableReplicas": 2}
CASES = [
    ("no status", rollout(None), "Progressing"),
    ("spec not observed", rollout({"observedGeneration": "1", "phase": "Healthy"}), "Progressing"),
    (
        "legacy hash generation",
        rollout({"observedGeneration": "7c9f", "phase": "Healthy"}),
        "Healthy",
    ),
    ("phase Paused", rollout({**OBSERVED, "phase": "Paused", "message": "m"}), "Suspended"),
    ("phase Degraded", rollout({**OBSERVED, "phase": "Degraded", "message": "m"}), "Degraded"),
    ("phase Healthy", rollout({**OBSERVED, "phase": "Healthy"}), "Healthy"),
    (
        "legacy aborted",
        rollout({**OBSERVED, "conditions": [{"type": "Progressing", "reason": "RolloutAborted"}]}),
        "Degraded",
    ),
    (
        "legacy invalid spec",
        rollout({**OBSERVED, "conditions": [{"type": "InvalidSpec", "reason": "InvalidSpec"}]}),
        "Degraded",
    ),
    ("legacy pause condition", rollout({**OBSERVED, **DONE, "pauseConditions": [{}]}), "Suspended"),
    ("legacy manual pause", rollout({**OBSERVED, **DONE}, paused=True), "Suspended"),
    ("legacy not reconciled", rollout({**OBSERVED}), "Progressing"),
    ("legacy steps left", rollout({**OBSERVED, **DONE, "stableRS": "b"}), "Progressing"),
    ("legacy old replicas", rollout({**OBSERVED, **DONE, "replicas": 3}), "Progressing"),
    ("legacy canary done", rollout({**OBSERVED, **DONE}), "Healthy"),
    ("legacy cutover pending", rollout({**OBSERVED, **DONE}, strategy="blueGreen"), "Progressing"),
    (
        "legacy blue-green done",
        rollout({**OBSERVED, **DONE, "blueGreen": {"activeSelector": "a"}}, strategy="blueGreen"),
        "Healthy",
    ),
]


@pytest.mark.parametrize(("obj", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_health_check_rules(obj: Obj, expected: str) -> None:
    assert health(obj)[0] == expected


def compressed(verdicts: list[str]) -> list[str]:
    return [v for i, v in enumerate(verdicts) if i == 0 or verdicts[i - 1] != v]


def is_subsequence(wanted: list[str], found: list[str]) -> bool:
    remaining = iter(found)
    return all(any(item == seen for seen in remaining) for item in wanted)


async def test_health_through_an_update_abort_retry_and_full_promotion(system: System) -> None:
    steps: list[dict[str, Any]] = [
        {"setWeight": 25},
        {"pause": {}},
        {"setWeight": 50},
        {"pause": {}},
    ]
    basic = payments(replicas=4, steps=steps)
    del basic["spec"]["strategy"]["canary"]["trafficRouting"]
    system.kube.create(basic)
    await system.wait(lambda o: status(o).get("phase") == "Healthy")
    await system.plugin.set_image(NS, NAME, "payments-api", "registry.example.com/payments-api:2")
    await system.wait(lambda o: status(o).get("message") == "CanaryPauseStep")
    await system.plugin.abort(NS, NAME)
    await system.wait(lambda o: status(o).get("phase") == "Degraded")
    await system.plugin.retry(NS, NAME)
    await system.wait(lambda o: "abort" not in status(o) and status(o).get("phase") == "Paused")
    await system.plugin.promote(NS, NAME, full=True)
    await system.wait(
        lambda o: status(o).get("phase") == "Healthy" and status(o).get("observedGeneration") == "2"
    )
    versions = [change.obj for change in system.kube.changes("rollouts")]
    verdicts = [health(obj)[0] for obj in versions]
    milestones = ["Progressing", "Healthy", "Progressing", "Suspended", "Degraded"]
    milestones += ["Suspended", "Healthy"]
    assert is_subsequence(milestones, compressed(verdicts)), compressed(verdicts)
    assert verdicts[0] == "Progressing" and verdicts[-1] == "Healthy"
    aborts = [str(status(obj).get("abort")) for obj in versions]
    assert compressed(aborts) == ["None", "True", "False", "None"], "no write undid a patch"
    for obj, verdict in zip(versions, verdicts, strict=True):
        if status(obj).get("phase") in ("Paused", "Degraded", "Healthy"):
            legacy = {**obj, "status": {k: v for k, v in status(obj).items() if k != "phase"}}
            assert health(legacy)[0] == verdict, status(obj)
