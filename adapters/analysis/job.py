"""The `job` metric provider on the local platform: the Job's first container, run as a process.

Argo's job provider creates a Kubernetes Job and judges the measurement by how it ends: the
Job Complete is Successful, Failed is Failed (no conditions are evaluated). Locally the Job is
the first container of `spec.template.spec.containers`, its `command` followed by its `args`
run directly (no shell, no image: the command must exist on this machine) with the container's
literal `env` values added to this process's environment:

    provider:
      job:
        spec:
          activeDeadlineSeconds: 20      # optional: the run's time limit (default 300 s)
          backoffLimit: 0                # not honoured: one attempt
          template:
            spec:
              restartPolicy: Never
              containers:
              - name: check
                image: ignored-locally
                command: [sh, -c]
                args: ["curl -fsS http://127.0.0.1:8080/health"]
                env: [{name: TARGET, value: canary}]

Exit code 0 is Successful, any other exit or the time limit is Failed, as a Job whose pod
fails or passes its `activeDeadlineSeconds` is. The verdict travels in the measurement's
metadata (`phase`), with `exitCode` and the tail of the output (secrets masked, then cut to
500 characters by the measurement runner); `value` is the Job condition
(`Complete` or `Failed`). A command that cannot be started is an Error measurement.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from adapters.metrics.http import ProviderError, parse_spec
from rollouts.ports import Measurement
from rollouts.spec.providers import JobMetric

DEFAULT_DEADLINE_SECONDS = 300.0
OUTPUT_TAIL = 500
# The provider keeps this much of the output's end; the measurement runner masks secrets in it
# and only then cuts it to OUTPUT_TAIL. Cutting first left the end of a secret that straddled
# the cut (`-XYZZY`) unrecognisable, so it reached the MeasurementTaken input unmasked; a
# secret now survives only if it is longer than OUTPUT_KEPT - OUTPUT_TAIL characters.
OUTPUT_KEPT = 64 * 1024
OUTPUT_KEY = "output"
PHASE_KEY = "phase"
COMPLETE, FAILED = "Complete", "Failed"


class LocalJobProvider:
    key = "job"

    def __init__(self, *, default_deadline: float = DEFAULT_DEADLINE_SECONDS) -> None:
        self._default_deadline = default_deadline

    async def measure(self, provider: Mapping[str, Any], now: datetime) -> Measurement:
        try:
            job = parse_spec(provider, self.key, JobMetric)
            argv, env = _command(job)
        except ProviderError as error:
            return Measurement(error=str(error))
        deadline = _deadline(job, self._default_deadline)
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                env={**os.environ, **env},
            )
        except OSError as error:
            return Measurement(error=f"job command {argv[0]!r} could not start: {error.strerror}")
        return await _finish(process, deadline)


async def _finish(process: asyncio.subprocess.Process, deadline: float) -> Measurement:
    try:
        async with asyncio.timeout(deadline):
            output, _ = await process.communicate()
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        return _verdict(
            FAILED, None, f"Job was active longer than specified deadline ({deadline:g}s)"
        )
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        raise
    code = process.returncode
    condition = COMPLETE if code == 0 else FAILED
    return _verdict(condition, code, output[-4 * OUTPUT_KEPT :].decode("utf-8", errors="replace"))


def cut_output(metadata: dict[str, str]) -> dict[str, str]:
    """The metadata with the Job's output cut to its last OUTPUT_TAIL characters: called once
    the secrets are masked, never before."""
    output = metadata.get(OUTPUT_KEY)
    if output is None or len(output) <= OUTPUT_TAIL:
        return metadata
    return {**metadata, OUTPUT_KEY: output[-OUTPUT_TAIL:]}


def _verdict(condition: str, code: int | None, output: str) -> Measurement:
    phase = "Successful" if condition == COMPLETE else "Failed"
    metadata = {PHASE_KEY: phase, OUTPUT_KEY: output[-OUTPUT_KEPT:]}
    if code is not None:
        metadata["exitCode"] = str(code)
    return Measurement(value=condition, metadata=metadata)


def _command(job: JobMetric) -> tuple[list[str], dict[str, str]]:
    template = job.spec.get("template")
    pod = template.get("spec") if isinstance(template, Mapping) else None
    containers = pod.get("containers") if isinstance(pod, Mapping) else None
    if not isinstance(containers, Sequence) or not containers:
        raise ProviderError("job spec has no spec.template.spec.containers[0]")
    container = containers[0]
    if not isinstance(container, Mapping):
        raise ProviderError("job spec.template.spec.containers[0] is not an object")
    argv = [*_strings(container.get("command")), *_strings(container.get("args"))]
    if not argv:
        raise ProviderError("the job's first container has no command or args to run locally")
    env = {
        str(item["name"]): str(item.get("value", ""))
        for item in container.get("env") or []
        if isinstance(item, Mapping) and "name" in item and "valueFrom" not in item
    }
    return argv, env


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ProviderError("job container command and args must be lists of strings")
    return [str(item) for item in value]


def _deadline(job: JobMetric, default: float) -> float:
    value = job.spec.get("activeDeadlineSeconds")
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return default
