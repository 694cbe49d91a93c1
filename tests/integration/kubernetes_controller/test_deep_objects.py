"""A deeply nested Rollout in the cluster is reported on that Rollout only (issue 15).

One object a few hundred levels deep used to end in a RecursionError inside the watch handler,
and the Rollout was never told why. It is now refused as an invalid spec (InvalidSpec in its
status, with the path), nothing is appended for it, and the other rollouts are served.
"""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.spec.limits import MAX_DEPTH
from tests.integration.kubernetes_controller.harness import NAME, NS, System, payments, status

pytestmark = pytest.mark.integration
STEPS: list[dict[str, Any]] = [{"setWeight": 25}, {"pause": {}}]


def deep_rollout(name: str, levels: int) -> dict[str, Any]:
    rollout = payments(replicas=2, steps=STEPS)
    rollout["metadata"]["name"] = name
    nested: Any = "x"
    for _ in range(levels):
        nested = {"a": nested}
    container = rollout["spec"]["template"]["spec"]["containers"][0]
    container["env"] = [{"name": "DEEP", "value": "1", "valueFrom": nested}]
    return rollout


async def test_a_deep_rollout_is_invalid_and_every_other_rollout_is_served(
    system: System,
) -> None:
    # 300 levels: as deep as the fake API can copy; deeper answers are in
    # tests/integration/kubernetes/test_deep_answers.py.
    system.kube.create(deep_rollout("deep", 300))
    system.kube.create(payments(replicas=2, steps=STEPS))
    refused = await system.wait(lambda o: status(o).get("phase") == "Degraded", name="deep")
    message = status(refused)["message"]
    assert message.startswith("InvalidSpec: ")
    assert f"nested deeper than {MAX_DEPTH} levels" in message
    assert "spec.template.spec.containers[0].env[0].valueFrom.a.a" in message
    assert await system.events("deep") == [], "nothing is appended for the deep object"
    await system.wait(lambda o: status(o).get("phase") == "Healthy")
    later = payments(replicas=1, steps=STEPS)
    later["metadata"]["name"] = "after-the-deep-one"
    system.kube.create(later)
    await system.wait(lambda o: status(o).get("phase") == "Healthy", name="after-the-deep-one")
    assert status(system.kube.get("rollouts", NS, "deep"))["phase"] == "Degraded"
    assert status(system.kube.get("rollouts", NS, NAME))["phase"] == "Healthy"
