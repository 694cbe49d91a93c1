"""The local `job` provider: the first container's command as a process, judged like a Job."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from adapters.analysis.job import STDERR_CHARS, LocalJobProvider, local_command
from rollouts.spec.providers import JobMetric
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


RANDOM_FAIL = ["FLIP=$(($(($RANDOM%10))%2)) && exit $FLIP"]
"""Argo's `examples/analysis/random-fail` Job: needs a shell with $RANDOM (dash has none)."""


async def test_argo_random_fail_example_runs_with_bash_and_passes_or_fails_cleanly() -> None:
    codes = set()
    for _ in range(8):
        measurement = await LocalJobProvider().measure(job(["sh", "-c"], args=RANDOM_FAIL), T0)
        codes.add(measurement.metadata["exitCode"])
        assert "syntax error" not in measurement.metadata["output"]
    assert codes <= {"0", "1"}
    has_random = await LocalJobProvider().measure(
        job(["/bin/sh", "-c"], args=['test -n "$RANDOM"']), T0
    )
    assert has_random.value == "Complete"


def test_sh_stays_sh_without_bash_and_the_message_says_how_it_ran(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = JobMetric.model_validate(job(["sh", "-c"], args=["true"])["job"])
    assert local_command(spec).argv[0].endswith("bash")
    assert local_command(spec).how == "bash on this machine, image ignored ignored"
    monkeypatch.setattr("adapters.analysis.job.shutil.which", lambda _: None)
    assert local_command(spec).argv == ["sh", "-c", "true"]
    assert local_command(spec).how.startswith("sh on this machine")


async def test_a_failed_jobs_stderr_tail_is_its_message() -> None:
    script = (
        "import sys\n"
        "print('to stdout')\n"
        "for i in range(20): print(f'problem {i}', file=sys.stderr)\n"
        "sys.exit(4)"
    )
    measurement = await LocalJobProvider().measure(job([PY, "-c", script]), T0)
    message = measurement.metadata["message"]
    assert message.startswith("job failed (exit code 4), run locally as python")
    assert "image ignored ignored" in message
    assert message.endswith("problem 15 | problem 16 | problem 17 | problem 18 | problem 19")
    assert "problem 14" not in message and "to stdout" not in message
    assert "to stdout" in measurement.metadata["output"]
    assert "problem 19" in measurement.metadata["output"]


async def test_the_message_is_bounded_and_success_has_none() -> None:
    noisy = "import sys; sys.stderr.write('x' * 5000); sys.exit(1)"
    failed = await LocalJobProvider().measure(job([PY, "-c", noisy]), T0)
    assert len(failed.metadata["message"]) <= STDERR_CHARS + 120
    assert failed.metadata["message"].endswith("x" * 100)
    ok = await LocalJobProvider().measure(job([PY, "-c", "import sys; sys.stderr.write('w')"]), T0)
    assert ok.value == "Complete" and "message" not in ok.metadata


async def test_a_command_that_cannot_start_says_the_image_is_ignored() -> None:
    missing = await LocalJobProvider().measure(job(["/nonexistent/check"]), T0)
    assert missing.error is not None and "image ignored ignored" in missing.error
