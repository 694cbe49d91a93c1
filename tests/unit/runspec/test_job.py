"""The local `job` provider: the first container's command as a process, judged like a Job."""

from __future__ import annotations

import sys
from typing import Any

from adapters.analysis.job import LocalJobProvider
from tests.unit.runspec.fakes import T0


def job(command: list[str], *, args: list[str] | None = None, **spec: Any) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "check", "image": "ignored", "command": command}
    if args is not None:
        container["args"] = args
    container["env"] = [{"name": "TARGET", "value": "canary"}]
    template = {"spec": {"restartPolicy": "Never", "containers": [container]}}
    return {"job": {"spec": {"template": template, **spec}}}


PY = sys.executable


async def test_exit_zero_is_successful_and_env_reaches_the_process() -> None:
    block = job([PY, "-c"], args=["import os; print('target', os.environ['TARGET'])"])
    measurement = await LocalJobProvider().measure(block, T0)
    assert measurement.error is None and measurement.value == "Complete"
    assert measurement.metadata["phase"] == "Successful"
    assert measurement.metadata["exitCode"] == "0"
    assert "target canary" in measurement.metadata["output"]


async def test_a_non_zero_exit_is_failed() -> None:
    measurement = await LocalJobProvider().measure(job([PY, "-c", "raise SystemExit(3)"]), T0)
    assert measurement.value == "Failed" and measurement.metadata["phase"] == "Failed"
    assert measurement.metadata["exitCode"] == "3"


async def test_the_deadline_fails_the_job() -> None:
    block = job([PY, "-c", "import time; time.sleep(30)"], activeDeadlineSeconds=0.3)
    measurement = await LocalJobProvider().measure(block, T0)
    assert measurement.metadata["phase"] == "Failed"
    assert "deadline" in measurement.metadata["output"]


async def test_what_cannot_run_is_an_error() -> None:
    missing = await LocalJobProvider().measure(job(["/nonexistent/check"]), T0)
    assert missing.error is not None and "could not start" in missing.error
    no_command = await LocalJobProvider().measure(
        {"job": {"spec": {"template": {"spec": {"containers": [{"name": "c"}]}}}}}, T0
    )
    assert no_command.error == "the job's first container has no command or args to run locally"
    no_container = await LocalJobProvider().measure({"job": {"spec": {}}}, T0)
    assert no_container.error == "job spec has no spec.template.spec.containers[0]"
