"""The coordinator's Prometheus metrics: each fleet's phase, health score and pending aborts."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Gauge

from rollouts.fleet.fsm import PHASES
from rollouts.fleet.state import FleetState


class FleetMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.score = Gauge(
            "rollouts_fleet_health_score",
            "Fleet health score of the fleet's current revision (0..1), per the README formula.",
            ["fleet", "revision"],
            registry=self.registry,
        )
        self.cluster_score = Gauge(
            "rollouts_fleet_cluster_score",
            "A cluster's part of the fleet health score (0..1).",
            ["fleet", "cluster"],
            registry=self.registry,
        )
        self.phase = Gauge(
            "rollouts_fleet_phase",
            "1 for the fleet's current phase, 0 for the others.",
            ["fleet", "phase"],
            registry=self.registry,
        )
        self.wave = Gauge(
            "rollouts_fleet_wave", "The fleet's current wave.", ["fleet"], registry=self.registry
        )
        self.abort_pending = Gauge(
            "rollouts_fleet_abort_pending",
            "Clusters that were sent an abort and have not shown it yet.",
            ["fleet"],
            registry=self.registry,
        )

    def update(self, state: FleetState) -> None:
        name = state.name
        if state.score is not None:
            self.score.labels(name, str(state.revision)).set(state.score)
        for cluster, part in state.score_parts.items():
            self.cluster_score.labels(name, cluster).set(part)
        for phase in PHASES:
            self.phase.labels(name, phase).set(1 if state.phase == phase else 0)
        self.wave.labels(name).set(-1 if state.wave is None else state.wave)
        self.abort_pending.labels(name).set(len(state.abort_pending))
