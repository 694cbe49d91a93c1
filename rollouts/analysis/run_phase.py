"""An AnalysisRun's phase from its metrics' phases (Argo's assessRunStatus).

The first metric that ends Failed, Error or Inconclusive makes the run terminating: no new
measurements are taken and metrics that were still running are assessed Successful, so the run
ends with the bad metric's phase. Dry-run metrics are measured and reported but never decide
the run nor terminate it. "Worst" follows Argo's order (events.phases.ANALYSIS_SEVERITY).
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from events.phases import ANALYSIS_SEVERITY, AnalysisPhase

RUN_TERMINATED = "Run Terminated"
_ENDS_RUN = frozenset({AnalysisPhase.FAILED, AnalysisPhase.ERROR, AnalysisPhase.INCONCLUSIVE})


class MetricOutcome(BaseModel):
    """A metric as the run sees it: its assessed phase and the message explaining it."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: str
    phase: AnalysisPhase
    message: str = ""
    dry_run: bool = False


class RunAssessment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    phase: AnalysisPhase
    message: str = ""
    terminating: bool = False


def run_is_terminating(metrics: Sequence[MetricOutcome], *, terminate_requested: bool) -> bool:
    """Terminating on request, or as soon as a deciding metric ended badly.

    Assess each metric with this value (from the phases recorded so far) before `assess_run`.
    """
    return terminate_requested or any(
        metric.phase in _ENDS_RUN for metric in metrics if not metric.dry_run
    )


def assess_run(metrics: Sequence[MetricOutcome], *, terminate_requested: bool) -> RunAssessment:
    terminating = run_is_terminating(metrics, terminate_requested=terminate_requested)
    worst: AnalysisPhase | None = None
    message = RUN_TERMINATED if terminate_requested else ""
    everything_completed = True
    for metric in metrics:
        if not metric.phase.completed:
            everything_completed = False
        elif metric.dry_run:
            worst = worst or AnalysisPhase.SUCCESSFUL
        elif worst is None or ANALYSIS_SEVERITY[metric.phase] > ANALYSIS_SEVERITY[worst]:
            worst = metric.phase
            message = metric.message or message
    if terminating:
        return RunAssessment(
            phase=worst or AnalysisPhase.SUCCESSFUL, message=message.strip(), terminating=True
        )
    if not everything_completed or worst is None:
        return RunAssessment(phase=AnalysisPhase.RUNNING)
    return RunAssessment(phase=worst, message=message.strip())
