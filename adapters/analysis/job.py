"""The `job` metric provider on the local platform: the Job's first container, run as a process.

Argo's job provider creates a Kubernetes Job and judges the measurement by how it ends: the
Job Complete is Successful, Failed is Failed (no conditions are evaluated). Locally the Job is
the first container of `spec.template.spec.containers`, its `command` followed by its `args`
run directly (no image: the command must exist on this machine) with the container's literal
`env` values added to this process's environment. A command of `sh` or `/bin/sh` runs with
`bash` when this machine has it: Argo's examples are written for the image's shell (busybox
and alpine's `sh` know `$RANDOM`), and Debian's `/bin/sh` (dash) does not, so Argo's
`random-fail` example would always fail with a syntax error:

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
metadata (`phase`), with `exitCode` and the tail of the output, stdout then stderr (secrets
masked, then cut to 500 characters by the measurement runner); `value` is the Job condition
(`Complete` or `Failed`). A failed Job's `message` (the measurement's message, shown by `get`,
`events` and `audit`) has the exit code, the last lines of its stderr and says how it ran
locally (which shell, and that the image was ignored). A command that cannot be started is an
Error measurement.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

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
MESSAGE_KEY = "message"
STDERR_LINES = 5
STDERR_CHARS = 400
"""A failed Job's message keeps at most this much of its stderr's end: enough to read the
error, small enough for a status line and an event."""
POSIX_SHELLS = frozenset({"sh", "/bin/sh"})


class LocalCommand(NamedTuple):
    argv: list[str]
    env: dict[str, str]
    how: str
    """How it runs here, for messages: `bash -c (image alpine:3.8 ignored)`."""


class LocalJobProvider:
    key = "job"

    def __init__(self, *, default_deadline: float = DEFAULT_DEADLINE_SECONDS) -> None:
        self._default_deadline = default_deadline

    async def measure(self, provider: Mapping[str, Any], now: datetime) -> Measurement:
        try:
            job = parse_spec(provider, self.key, JobMetric)
            command = local_command(job)
        except ProviderError as error:
            return Measurement(error=str(error))
        deadline = _deadline(job, self._default_deadline)
        try:
            process = await asyncio.create_subprocess_exec(
                *command.argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env={**os.environ, **command.env},
            )
        except OSError as error:
            return Measurement(
                error=f"job command {command.argv[0]!r} could not start: {error.strerror}"
                f" (run locally as {command.how})"
            )
        return await _finish(process, deadline, command.how)


async def _finish(process: asyncio.subprocess.Process, deadline: float, how: str) -> Measurement:
    try:
        async with asyncio.timeout(deadline):
            stdout, stderr = await process.communicate()
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        why = f"Job was active longer than specified deadline ({deadline:g}s)"
        return _verdict(FAILED, None, why, f"{why}; run locally as {how}")
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        raise
    code = process.returncode
    output = (stdout[-4 * OUTPUT_KEPT :] + stderr[-4 * OUTPUT_KEPT :]).decode(
        "utf-8", errors="replace"
    )
    if code == 0:
        return _verdict(COMPLETE, code, output)
    tail = stderr_tail(stderr.decode("utf-8", errors="replace"))
    message = f"job failed (exit code {code}), run locally as {how}"
    return _verdict(FAILED, code, output, f"{message}: {tail}" if tail else message)


def stderr_tail(stderr: str) -> str:
    """The last STDERR_LINES non-blank lines, joined by ` | `, cut to STDERR_CHARS."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    text = " | ".join(lines[-STDERR_LINES:])
    return text if len(text) <= STDERR_CHARS else "…" + text[-(STDERR_CHARS - 1) :]


def cut_output(metadata: dict[str, str]) -> dict[str, str]:
    """The metadata with the Job's output cut to its last OUTPUT_TAIL characters: called once
    the secrets are masked, never before."""
    output = metadata.get(OUTPUT_KEY)
    if output is None or len(output) <= OUTPUT_TAIL:
        return metadata
    return {**metadata, OUTPUT_KEY: output[-OUTPUT_TAIL:]}


def _verdict(condition: str, code: int | None, output: str, message: str = "") -> Measurement:
    phase = "Successful" if condition == COMPLETE else "Failed"
    metadata = {PHASE_KEY: phase, OUTPUT_KEY: output[-OUTPUT_KEPT:]}
    if code is not None:
        metadata["exitCode"] = str(code)
    if message:
        metadata[MESSAGE_KEY] = message
    return Measurement(value=condition, metadata=metadata)


def local_command(job: JobMetric) -> LocalCommand:
    container = _container(job)
    argv = [*_strings(container.get("command")), *_strings(container.get("args"))]
    if not argv:
        raise ProviderError("the job's first container has no command or args to run locally")
    bash = shutil.which("bash") if argv[0] in POSIX_SHELLS else None
    if bash is not None:
        argv = [bash, *argv[1:]]
    env = {
        str(item["name"]): str(item.get("value", ""))
        for item in container.get("env") or []
        if isinstance(item, Mapping) and "name" in item and "valueFrom" not in item
    }
    image = container.get("image")
    ignored = f"image {image} ignored" if image else "no image"
    shell = "bash" if bash is not None else os.path.basename(argv[0])
    return LocalCommand(argv, env, f"{shell} on this machine, {ignored}")


def _container(job: JobMetric) -> Mapping[str, Any]:
    template = job.spec.get("template")
    pod = template.get("spec") if isinstance(template, Mapping) else None
    containers = pod.get("containers") if isinstance(pod, Mapping) else None
    if not isinstance(containers, Sequence) or not containers:
        raise ProviderError("job spec has no spec.template.spec.containers[0]")
    container = containers[0]
    if not isinstance(container, Mapping):
        raise ProviderError("job spec.template.spec.containers[0] is not an object")
    return container


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
