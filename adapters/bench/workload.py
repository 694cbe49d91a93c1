"""Realistic rollout histories for the benchmark, produced by the real `decide`.

A `DecisionDriver` plays a healthy cluster around the pure core, the way the workers do: it
reports ReplicaSet counts and router weights as observations and fires timer ticks when the
state says something is due. Input ids have the shapes the real publishers give them (a UUID
for a command, the observer's and the traffic worker's formats for observations), because ids
end up in every event (`cause`) and in the state (`recent_causes`), so their length matters.
"""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import events.inputs as inp
from adapters.workers.observer import observation
from events.base import Event, Input
from rollouts.decide import decide
from rollouts.evolve import fold
from rollouts.ports import ReplicaSetStatus, RolloutRef
from rollouts.state import RolloutState, initial_state
from rollouts.timers import next_wakeup

T0 = datetime(2026, 1, 1, tzinfo=UTC)
NAMESPACE = "default"
Shape = Literal["canary", "bluegreen"]
SETTLE_ROUNDS = 100


def canary_strategy(name: str) -> dict[str, Any]:
    """A canary with traffic routing through the local proxy (nginx) and timed pauses."""
    return {
        "canaryService": f"{name}-canary",
        "stableService": f"{name}-stable",
        "trafficRouting": {"nginx": {"stableIngress": f"{name}-ingress"}},
        "steps": [
            {"setWeight": 20},
            {"pause": {"duration": "30s"}},
            {"setWeight": 50},
            {"pause": {"duration": "30s"}},
        ],
    }


def rollout_manifest(
    name: str, image: str, *, shape: Shape = "canary", replicas: int = 4
) -> dict[str, Any]:
    """An Argo Rollout as a user would write it (labels, ports, resources, probes)."""
    if shape == "canary":
        strategy: dict[str, Any] = {"canary": canary_strategy(name)}
    else:
        strategy = {
            "blueGreen": {"activeService": f"{name}-active", "previewService": f"{name}-preview"}
        }
    container = {
        "name": "app",
        "image": image,
        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 5},
    }
    labels = {"app": name, "team": "payments"}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": labels},
        "spec": {
            "replicas": replicas,
            "revisionHistoryLimit": 3,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
            "strategy": strategy,
        },
    }


class DecisionDriver:
    """`decide` + `fold` for one rollout with a cooperative platform; keeps every decision."""

    def __init__(self, name: str, namespace: str = NAMESPACE) -> None:
        self.ref = RolloutRef(namespace, name)
        self.state: RolloutState = initial_state(namespace, name)
        self.now = T0
        self.decisions: list[list[Event]] = []

    def send(self, item: Input) -> list[Event]:
        decided = decide(self.state, item, self.now)
        if decided:
            self.state = fold(self.state, decided)
            self.decisions.append(decided)
        return decided

    def command(self, item: Input) -> None:
        self.send(item)
        self.settle()

    def settle(self) -> None:
        """Let the platform catch up with every intent, one observation at a time."""
        for _ in range(SETTLE_ROUNDS):
            self.now += timedelta(milliseconds=200)
            observed = self._next_observation()
            if observed is None:
                return
            self.send(observed)
        raise RuntimeError(f"{self.ref}: the simulated platform did not settle")

    def _next_observation(self) -> Input | None:
        for rs in self.state.replica_sets.values():
            if (rs.replicas, rs.available) != (rs.desired, rs.desired):
                status = ReplicaSetStatus(
                    self.ref, rs.pod_template_hash, rs.desired, rs.desired, rs.desired, self.now
                )
                return observation(status)
        traffic = self.state.traffic
        wanted = traffic.requested_canary
        if wanted is not None and traffic.applied_canary != wanted:
            return inp.TrafficWeightObserved(
                input_id=f"{uuid.uuid4()}:applied", canary_weight=wanted, verified=True
            )
        return None

    def run_timers(self, limit: float = 3600.0) -> None:
        """Jump to each due wake-up in turn, as the timer worker does."""
        end = self.now + timedelta(seconds=limit)
        while (due := next_wakeup(self.state)) is not None and due <= end:
            self.now = max(self.now, due)
            key = f"{self.ref.namespace}/{self.ref.name}"
            self.send(inp.Tick(input_id=f"tick:{key}:{due.isoformat()}"))
            self.settle()


def apply(manifest: dict[str, Any]) -> inp.ApplySpec:
    return inp.ApplySpec(
        input_id=str(uuid.uuid4()), actor="bench", manifest=copy.deepcopy(manifest)
    )


def rollout_history(name: str, *, shape: Shape = "canary", updates: int = 1) -> DecisionDriver:
    """A rollout created, then updated `updates` times, each update run to completion."""
    driver = DecisionDriver(name)
    driver.command(apply(rollout_manifest(name, "registry.example/shop/app:1.0.0", shape=shape)))
    for version in range(2, updates + 2):
        image = f"registry.example/shop/app:1.{version}.0"
        driver.command(apply(rollout_manifest(name, image, shape=shape)))
        driver.run_timers()
    return driver


def history_decisions(name: str, *, shape: Shape = "canary", updates: int = 1) -> list[list[Event]]:
    return rollout_history(name, shape=shape, updates=updates).decisions
