"""A metric's phase from its counters and limits (Argo's assessMetricStatus).

Order matters and is Argo's: a completed metric stays as it is; no measurement yet is Pending
(Successful when the run is terminating); an in-flight measurement keeps it Running; then the
limits, where a later check overrides an earlier one so Error > Inconclusive > Failed; then
consecutiveSuccessLimit; then the measurement count; an unbounded metric runs until terminated.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from events.phases import AnalysisPhase


class MetricLimits(BaseModel):
    """The limits of one metric, with Argo's defaults.

    `count` None or 0 means: one measurement without an interval, unbounded with one.
    `failure_limit` -1 disables the failure limit (only meaningful with a success limit).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    failure_limit: int = Field(default=0, ge=-1)
    inconclusive_limit: int = Field(default=0, ge=0)
    consecutive_error_limit: int = Field(default=4, ge=0)
    consecutive_success_limit: int = Field(default=0, ge=0)
    count: int | None = Field(default=None, ge=0)
    has_interval: bool = False

    @property
    def effective_count(self) -> int | None:
        """How many measurements complete the metric; None when it is unbounded."""
        if not self.count:
            return None if self.has_interval else 1
        return self.count


class MetricCounters(BaseModel):
    """Per-metric counters as Argo keeps them in MetricResult, plus the last measurement phase.

    `count` counts decided measurements only (successful + failed + inconclusive): errors are
    counted apart, so a flaky provider never uses up the measurement count.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    count: int = Field(default=0, ge=0)
    successful: int = Field(default=0, ge=0)
    failed: int = Field(default=0, ge=0)
    inconclusive: int = Field(default=0, ge=0)
    error: int = Field(default=0, ge=0)
    consecutive_error: int = Field(default=0, ge=0)
    consecutive_success: int = Field(default=0, ge=0)
    last_phase: AnalysisPhase | None = None


class MetricAssessment(BaseModel):
    """`message` is the metric result's own (Argo's MetricResult.message); `explanation` is the
    text the run quotes when this metric decides it (`Metric "x" assessed Failed due to ...`)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    phase: AnalysisPhase
    message: str = ""
    explanation: str = ""


def record_measurement(counters: MetricCounters, phase: AnalysisPhase) -> MetricCounters:
    """Counters after a measurement ends in `phase` (an unfinished one changes nothing else)."""
    if not phase.completed:
        return counters.model_copy(update={"last_phase": phase})
    update: dict[str, object] = {"last_phase": phase}
    if phase == AnalysisPhase.ERROR:
        update |= {
            "error": counters.error + 1,
            "consecutive_error": counters.consecutive_error + 1,
            "consecutive_success": 0,
        }
        return counters.model_copy(update=update)
    field = {
        AnalysisPhase.SUCCESSFUL: "successful",
        AnalysisPhase.FAILED: "failed",
        AnalysisPhase.INCONCLUSIVE: "inconclusive",
    }[phase]
    update |= {
        field: getattr(counters, field) + 1,
        "count": counters.count + 1,
        "consecutive_error": 0,
        "consecutive_success": (
            counters.consecutive_success + 1 if phase == AnalysisPhase.SUCCESSFUL else 0
        ),
    }
    return counters.model_copy(update=update)


def limit_breach(
    limits: MetricLimits, counters: MetricCounters
) -> tuple[AnalysisPhase | None, str]:
    """Which limit the counters exceed, if any, with Argo's wording of why."""
    phase: AnalysisPhase | None = None
    reason = ""
    if limits.failure_limit >= 0 and counters.failed > limits.failure_limit:
        phase = AnalysisPhase.FAILED
        reason = f"failed ({counters.failed}) > failureLimit ({limits.failure_limit})"
    if counters.inconclusive > limits.inconclusive_limit:
        phase = AnalysisPhase.INCONCLUSIVE
        reason = (
            f"inconclusive ({counters.inconclusive}) > "
            f"inconclusiveLimit ({limits.inconclusive_limit})"
        )
    if counters.consecutive_error > limits.consecutive_error_limit:
        phase = AnalysisPhase.ERROR
        reason = (
            f"consecutiveErrors ({counters.consecutive_error}) > "
            f"consecutiveErrorLimit ({limits.consecutive_error_limit})"
        )
    return phase, reason


def assess_metric(
    limits: MetricLimits,
    counters: MetricCounters,
    *,
    terminating: bool,
    last_measurement_in_flight: bool = False,
    metric_name: str = "",
    current_phase: AnalysisPhase | None = None,
    last_message: str = "",
    measurement_message: str = "",
    dry_run: bool = False,
) -> MetricAssessment:
    """The metric's phase now, its result message, and the run-level explanation.

    `current_phase` is the phase already recorded for the metric (a completed metric never
    changes); `last_message` is the last measurement's message as Argo has it, quoted in the
    explanation; `measurement_message` is the last measurement's message as recorded, which
    becomes the metric's message (Argo's assessRunStatus copies it on every phase change). A
    dry-run metric that a limit decided carries the explanation instead, without its name.
    """
    phase = _metric_phase(limits, counters, terminating, last_measurement_in_flight, current_phase)
    explanation = explain_metric(limits, counters, phase, metric_name, last_message)
    message = measurement_message
    if dry_run and explanation:
        message = explain_metric(limits, counters, phase, "", "")
    return MetricAssessment(phase=phase, message=message, explanation=explanation)


def _metric_phase(
    limits: MetricLimits,
    counters: MetricCounters,
    terminating: bool,
    in_flight: bool,
    current_phase: AnalysisPhase | None,
) -> AnalysisPhase:
    if current_phase is not None and current_phase.completed:
        return current_phase
    in_flight = in_flight or (counters.last_phase is not None and not counters.last_phase.completed)
    if counters.last_phase is None and not in_flight:
        return AnalysisPhase.SUCCESSFUL if terminating else AnalysisPhase.PENDING
    if in_flight:
        return AnalysisPhase.RUNNING
    return _phase_from_counters(limits, counters, terminating)


def _phase_from_counters(
    limits: MetricLimits, counters: MetricCounters, terminating: bool
) -> AnalysisPhase:
    breached, _ = limit_breach(limits, counters)
    if breached is not None:
        return breached
    success_limit = limits.consecutive_success_limit
    if success_limit > 0 and counters.consecutive_success >= success_limit:
        return AnalysisPhase.SUCCESSFUL
    wanted = limits.effective_count
    if wanted is not None and counters.count >= wanted:
        return _count_reached(limits)
    return AnalysisPhase.SUCCESSFUL if terminating else AnalysisPhase.RUNNING


def _count_reached(limits: MetricLimits) -> AnalysisPhase:
    """All measurements taken without a limit deciding: Successful, unless a success limit
    was set and not reached (Inconclusive, or Failed when the failure limit is disabled)."""
    if limits.consecutive_success_limit > 0:
        failure_applies = limits.failure_limit >= 0
        return AnalysisPhase.INCONCLUSIVE if failure_applies else AnalysisPhase.FAILED
    return AnalysisPhase.SUCCESSFUL


def explain_metric(
    limits: MetricLimits,
    counters: MetricCounters,
    phase: AnalysisPhase,
    metric_name: str,
    last_message: str,
) -> str:
    """`Metric "x" assessed Failed due to failed (3) > failureLimit (2)`, as on Argo's run;
    without a name, `Metric assessed ...` as on Argo's dry-run metric results."""
    if not phase.completed:
        return ""
    breached, reason = limit_breach(limits, counters)
    if breached is None:
        return ""
    subject = f'Metric "{metric_name}"' if metric_name else "Metric"
    message = f"{subject} assessed {phase} due to {reason}"
    if last_message:
        message += f': "Error Message: {last_message}"'
    return message
