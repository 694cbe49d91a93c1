"""Event histories of analysis runs, written as the controller writes them, for the AnalysisRun
projection's unit tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import events.models as ev
from events.base import Event
from events.phases import AnalysisPhase, AnalysisRunKind

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ROLLOUT = "web"
NS = "shop"
RATE: dict[str, Any] = {
    "name": "success-rate",
    "interval": "30s",
    "count": 3,
    "successCondition": "result >= 0.95",
    "provider": {"prometheus": {"address": "http://prom:9090", "query": "rate"}},
}


@dataclass
class History:
    """Appends events one second apart; `events` pairs each with its stream sequence."""

    events: list[tuple[int, Event]] = field(default_factory=list)
    now: datetime = T0

    def add(self, event_type: type[Event], /, **fields: Any) -> None:
        self.now += timedelta(seconds=1)
        event = event_type(cause=f"input-{len(self.events)}", at=self.now, **fields)
        self.events.append((len(self.events) + 1, event))

    def request(
        self,
        run: str,
        kind: AnalysisRunKind = AnalysisRunKind.STEP,
        /,
        step: int | None = 1,
        *,
        revision: int = 2,
        pod_hash: str = "6d4f",
        analysis: dict[str, Any] | None = None,
    ) -> None:
        self.add(
            ev.AnalysisRunRequested,
            run_name=run,
            kind=kind,
            step_index=step,
            revision=revision,
            pod_template_hash=pod_hash,
            stable_pod_template_hash="5c9a",
            analysis=analysis or {"templates": [{"templateName": "success-rate"}]},
        )

    def start(self, run: str, metrics: list[dict[str, Any]] | None = None, **extra: Any) -> None:
        self.add(
            ev.AnalysisRunStarted,
            run_name=run,
            metrics=metrics or [RATE],
            args=extra.pop("args", {"service": "web-canary"}),
            **extra,
        )
        self.phase(run, AnalysisPhase.RUNNING, AnalysisPhase.PENDING)

    def measure(
        self, run: str, index: int, phase: AnalysisPhase, value: str, metric: str = "success-rate"
    ) -> None:
        self.add(ev.MeasurementDue, run_name=run, metric=metric, index=index)
        started = self.now
        self.add(
            ev.MeasurementRecorded,
            run_name=run,
            metric=metric,
            index=index,
            phase=phase,
            value=value,
            started_at=started,
            finished_at=started + timedelta(seconds=1),
        )

    def metric_phase(
        self, run: str, phase: AnalysisPhase, message: str = "", metric: str = "success-rate"
    ) -> None:
        self.add(
            ev.MetricPhaseChanged,
            run_name=run,
            metric=metric,
            phase=phase,
            previous_phase=AnalysisPhase.RUNNING,
            message=message,
        )

    def phase(
        self, run: str, phase: AnalysisPhase, previous: AnalysisPhase, message: str = ""
    ) -> None:
        self.add(
            ev.AnalysisRunStatusChanged,
            run_name=run,
            kind=AnalysisRunKind.STEP,
            phase=phase,
            previous_phase=previous,
            message=message,
        )

    def complete(self, run: str, phase: AnalysisPhase, message: str = "", **request: Any) -> None:
        """A whole run: requested, started, one measurement, decided `phase`."""
        self.request(run, **request)
        self.start(run)
        value = "0.99" if phase is AnalysisPhase.SUCCESSFUL else "0.5"
        self.measure(run, 1, phase, value)
        self.metric_phase(run, phase, message)
        self.phase(run, phase, AnalysisPhase.RUNNING, message)
