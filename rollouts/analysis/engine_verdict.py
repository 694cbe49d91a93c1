"""What a measurement says: its phase, Argo's value text and a message a person can act on.

Argo leaves the message of a failed or inconclusive measurement empty; here it says which value
met which condition (`value [0.08]: failureCondition "result[0] >= 0.05" is true`), so an abort
can be understood from `get rollout` alone. Those explanations are ours: the run-level message,
which quotes a measurement's message, only quotes the ones Argo has (errors, terminations).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from events.phases import AnalysisPhase
from rollouts.analysis.judge import judge_measurement
from rollouts.analysis.value_text import JSON_ENCODED, VALUE_ENCODING, go_json_text, value_text
from rollouts.run_state import Measurement
from rollouts.spec import Metric

METRIC_TERMINATED = "Metric Terminated"
"""Argo's message for a measurement cut short because its run was terminating."""


class Verdict(NamedTuple):
    phase: AnalysisPhase
    value: str
    message: str


def verdict_of(
    metric: Metric, value: object, error: str | None, metadata: Mapping[str, str] | None = None
) -> Verdict:
    """A provider error is an Error measurement; a Job says itself how it ended; otherwise
    the metric's conditions decide."""
    if error is not None:
        return Verdict(AnalysisPhase.ERROR, "", error)
    text = _recorded_text(value, metadata or {})
    if metric.provider.job is not None:
        return _job_verdict(text, metadata or {})
    judged = judge_measurement(metric.success_condition, metric.failure_condition, value)
    message = judged.message or _explain(metric, judged.phase, text)
    return Verdict(judged.phase, text, message)


def _recorded_text(value: object, metadata: Mapping[str, str]) -> str:
    """Argo's `measurement.value`: json.Marshal of a Web metric's JSON match (quotes kept),
    the provider's usual text otherwise."""
    if metadata.get(VALUE_ENCODING) == JSON_ENCODED:
        return go_json_text(value)
    return value_text(value)


def _job_verdict(condition: str, metadata: Mapping[str, str]) -> Verdict:
    """Argo evaluates no condition for a Job: Complete is Successful, Failed is Failed (the
    worker may say so in `metadata["phase"]`, and Inconclusive for a pod that cannot start)."""
    phase = _JOB_PHASES.get(metadata.get("phase", "")) or _JOB_CONDITIONS.get(condition)
    if phase is None:
        return Verdict(
            AnalysisPhase.ERROR, condition, f"job ended without a verdict: {condition!r}"
        )
    message = metadata.get("message", "")
    if phase is AnalysisPhase.FAILED and not message:
        code = metadata.get("exitCode")
        message = f"job failed (exit code {code})" if code else "job failed"
    return Verdict(phase, condition, message)


_JOB_PHASES = {
    phase.value: phase
    for phase in (AnalysisPhase.SUCCESSFUL, AnalysisPhase.FAILED, AnalysisPhase.INCONCLUSIVE)
}
_JOB_CONDITIONS = {"Complete": AnalysisPhase.SUCCESSFUL, "Failed": AnalysisPhase.FAILED}


def _explain(metric: Metric, phase: AnalysisPhase, text: str) -> str:
    subject = f"value {text}" if text else "no value"
    success, failure = metric.success_condition, metric.failure_condition
    if phase is AnalysisPhase.FAILED:
        if failure:
            return f'{subject}: failureCondition "{failure}" is true'
        return f'{subject}: successCondition "{success}" is false'
    if phase is AnalysisPhase.INCONCLUSIVE:
        return (
            f'{subject}: neither successCondition "{success}" '
            f'nor failureCondition "{failure}" is true'
        )
    return ""


def argo_message(measurement: Measurement | None) -> str:
    """The measurement's message as Argo would have it (what `Error Message:` quotes)."""
    if measurement is None:
        return ""
    if measurement.phase is AnalysisPhase.ERROR or measurement.message == METRIC_TERMINATED:
        return measurement.message
    return ""
