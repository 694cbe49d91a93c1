"""The local `job` provider through the whole system: a check command that exits 0 lets the
canary through."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from events.phases import AnalysisPhase
from tests.integration.analysis.harness import AnalysisSystem, describe, promoted_to_v2

pytestmark = pytest.mark.integration


def job_template(script: str) -> dict[str, Any]:
    container = {"name": "check", "image": "checker:1", "command": [sys.executable, "-c", script]}
    job = {
        "spec": {
            "backoffLimit": 0,
            "template": {"spec": {"restartPolicy": "Never", "containers": [container]}},
        }
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "smoke"},
        "spec": {"metrics": [{"name": "smoke", "provider": {"job": job}}]},
    }


async def test_a_passing_job_promotes(system: AnalysisSystem) -> None:
    await system.put_template(job_template("print('smoke ok')"))
    steps: list[dict[str, Any]] = [
        {"setWeight": 20},
        {"analysis": {"templates": [{"templateName": "smoke"}]}},
    ]
    await system.deploy_then_update(steps)

    state = await system.until("promotion", lambda s: promoted_to_v2(s) or s.abort)
    assert promoted_to_v2(state), describe(state)
    (recorded,) = await system.recorded()
    assert recorded.phase is AnalysisPhase.SUCCESSFUL and recorded.value == "Complete"
