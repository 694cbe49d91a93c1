"""The state of one analysis run and its metrics, as Argo's AnalysisRun status holds them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from events.judgment import Judgment
from events.phases import AnalysisPhase, AnalysisRunKind
from rollouts.analysis.assess import MetricCounters, MetricLimits
from rollouts.frozen import Frozen
from rollouts.spec import Metric

DEFAULT_MEASUREMENT_RETENTION = 10
"""Measurements kept per metric unless measurementRetention says otherwise (Argo's default)."""


@dataclass(frozen=True, slots=True)
class Measurement:
    """One recorded measurement. Slotted, not a model: 10,000 rollouts keep ten per metric."""

    index: int
    phase: AnalysisPhase
    value: str = ""
    message: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None


class MetricRunState(Frozen):
    """One metric of a started run: its frozen spec and Argo's MetricResult.

    `message` is Argo's MetricResult.message: the last measurement's message when the phase
    last changed (a dry-run metric a limit decided: `Metric assessed Failed due to ...`); the
    measurements are the last `retention` ones, the stream keeps them all. `taken` is the index
    of the latest measurement asked for, `in_flight` the one still awaited, if any.
    """

    spec: Metric
    limits: MetricLimits
    dry_run: bool = False
    retention: int = DEFAULT_MEASUREMENT_RETENTION
    phase: AnalysisPhase = AnalysisPhase.PENDING
    message: str = ""
    counters: MetricCounters = MetricCounters()
    taken: int = 0
    in_flight: int | None = None
    last_finished_at: datetime | None = None
    measurements: tuple[Measurement, ...] = ()

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def last(self) -> Measurement | None:
        return self.measurements[-1] if self.measurements else None


class AnalysisRunState(Frozen):
    """A run requested by the rollout. Until `started_at` its spec is unknown (the worker has
    not resolved its templates yet, or an outside controller runs it and reports its phase)."""

    name: str
    kind: AnalysisRunKind
    step_index: int | None
    revision: int
    phase: AnalysisPhase = AnalysisPhase.PENDING
    message: str = ""
    termination_requested: bool = False
    started_at: datetime | None = None
    metrics: tuple[MetricRunState, ...] = ()
    secret_args: dict[str, dict[str, str]] = {}
    """Argument name -> {"name": secret, "key": key}: where the worker reads a secret value
    just before measuring; the values themselves never enter the stream or the state."""
    judgment: Judgment | None = None
    """The latest statistical judgment of the run's judge metrics (docs/judge.md)."""

    @property
    def started(self) -> bool:
        return self.started_at is not None

    @property
    def dry_run_metrics(self) -> tuple[str, ...]:
        return tuple(metric.name for metric in self.metrics if metric.dry_run)

    def metric(self, name: str) -> MetricRunState | None:
        return next((metric for metric in self.metrics if metric.name == name), None)

    def with_metric(self, updated: MetricRunState) -> AnalysisRunState:
        metrics = tuple(updated if m.name == updated.name else m for m in self.metrics)
        return self.model_copy(update={"metrics": metrics})
