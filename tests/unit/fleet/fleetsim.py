"""Drive the pure fleet decision like the coordinator does, with clusters that obey."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from events import fleet as ev
from events.base import Event, Input
from events.phases import AnalysisPhase, RolloutPhase
from rollouts.fleet.decide import decide_fleet
from rollouts.fleet.state import FleetState, evolve_fleet, initial_fleet_state

T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
FLEET = "payments-api-fleet"


class Sim:
    def __init__(self) -> None:
        self.state: FleetState = initial_fleet_state(FLEET)
        self.now = T0
        self.history: list[Event] = []
        self._ids = count()

    def send(self, item: Input) -> list[Event]:
        events = decide_fleet(self.state, item, self.now)
        for event in events:
            self.state = evolve_fleet(self.state, event)
        self.history += events
        return events

    def id(self) -> str:
        return f"in-{next(self._ids)}"

    def apply(self, manifest: dict[str, Any]) -> list[Event]:
        return self.send(ev.ApplyFleet(input_id=self.id(), manifest=manifest))

    def observe(self, cluster: str, **fields: Any) -> list[Event]:
        return self.send(ev.ClusterObserved(input_id=self.id(), cluster=cluster, **fields))

    def healthy(self, cluster: str, score: float | None = 1.0) -> list[Event]:
        h = self.state.template_hash
        return self.observe(
            cluster,
            phase=RolloutPhase.HEALTHY,
            pod_hash=h,
            stable_hash=h,
            canary_weight=0,
            analysis=AnalysisPhase.SUCCESSFUL,
            score=score,
        )

    def canary(self, cluster: str, weight: int = 10, score: float | None = None) -> list[Event]:
        return self.observe(
            cluster,
            phase=RolloutPhase.PAUSED,
            pod_hash=self.state.template_hash,
            stable_hash="old",
            canary_weight=weight,
            analysis=AnalysisPhase.RUNNING,
            score=score,
        )

    def failed(self, cluster: str) -> list[Event]:
        return self.observe(
            cluster,
            phase=RolloutPhase.DEGRADED,
            pod_hash=self.state.template_hash,
            stable_hash="old",
            canary_weight=0,
            aborted=True,
            analysis=AnalysisPhase.FAILED,
            failed_metric="error-rate",
            failed_value="0.21",
            score=0.0,
        )

    def tick(self, seconds: float = 0) -> list[Event]:
        self.now += timedelta(seconds=seconds)
        return self.send(ev.FleetTick(input_id=self.id()))

    def updates(self, events: list[Event]) -> list[str]:
        return [e.cluster for e in events if isinstance(e, ev.FleetClusterUpdateRequested)]
