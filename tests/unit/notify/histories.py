"""Realistic rollout histories for notification tests, driven through the real `decide`.

`canary_release` updates a subscribed rollout through setWeight/pause steps to completion;
`failed_analysis` updates one whose step analysis fails three measurements in a row, so the
controller aborts it. `store_history` appends a history decision by decision, the way the
controller does, so event ids and sequences are the real ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

import events.inputs as inp
from events.base import Event
from events.phases import AnalysisRunKind
from events.store import EventStore, StoredEvent
from tests.support.sim import T0, Sim, rollout_manifest

STEPS: list[dict[str, Any]] = [
    {"setWeight": 20},
    {"pause": {"duration": 10}},
    {"setWeight": 50},
    {"pause": {}},
]
ERROR_RATE = {
    "name": "error-rate",
    "interval": "10s",
    "failureLimit": 2,
    "failureCondition": "result > 0.05",
    "provider": {"prometheus": {"address": "http://prometheus:9090", "query": "error_rate"}},
}


class FixedClock:
    def __init__(self, now: datetime = T0 + timedelta(hours=1)) -> None:
        self.moment = now

    def now(self) -> datetime:
        return self.moment


def subscribe(
    manifest: dict[str, Any], subscriptions: Mapping[str, str], labels: Mapping[str, str] = {}
) -> dict[str, Any]:
    """`subscriptions` maps `<trigger>.<service>` to recipients (`a;b`)."""
    metadata = manifest["metadata"]
    metadata["annotations"] = {
        f"notifications.argoproj.io/subscribe.{key}": value for key, value in subscriptions.items()
    }
    if labels:
        metadata["labels"] = dict(labels)
    return manifest


def canary_release(
    name: str, subscriptions: Mapping[str, str], *, replicas: int = 4, images: int = 2
) -> Sim:
    canary = {"steps": STEPS}
    sim = Sim(name=name)
    for version in range(1, images + 1):
        image = f"registry.local/{name}:{version}"
        manifest = rollout_manifest(name, image=image, replicas=replicas, canary=canary)
        sim.deploy(subscribe(manifest, subscriptions))
        sim.run_timers()
        if version > 1:
            sim.command(inp.Promote)
            sim.platform()
            sim.run_timers()
    return sim


def failed_analysis(name: str, subscriptions: Mapping[str, str], value: float = 0.08) -> Sim:
    steps = [{"setWeight": 20}, {"analysis": {"templates": [{"templateName": "error-rate"}]}}]
    sim = Sim(name=name)
    for image in ("registry.local/app:1", "registry.local/app:2"):
        manifest = rollout_manifest(name, image=image, replicas=5, canary={"steps": steps})
        sim.deploy(subscribe(manifest, subscriptions))
        sim.run_timers()
    run = sim.run(AnalysisRunKind.STEP)
    assert run is not None, "the analysis step did not start a run"
    sim.send(
        inp.AnalysisRunResolved(input_id=sim.next_id(), run_name=run.name, metrics=[ERROR_RATE])
    )
    for _ in range(10):
        current = sim.state.analysis_runs[run.name]
        metric = current.metric("error-rate")
        if current.phase.completed or metric is None:
            break
        if metric.in_flight is None:
            sim.run_timers(60)
            continue
        taken = inp.MeasurementTaken(
            input_id=sim.next_id(),
            run_name=run.name,
            metric="error-rate",
            index=metric.in_flight,
            value=value,
            started_at=sim.now,
            finished_at=sim.now,
        )
        sim.send(taken)
        sim.platform()
    assert sim.state.abort, "the failed analysis did not abort the rollout"
    return sim


async def store_history(
    store: EventStore, namespace: str, name: str, history: Iterable[Event]
) -> list[StoredEvent]:
    """Append decision by decision (consecutive events with one cause), as the controller."""
    version = 0
    for _, decision in groupby(history, key=lambda event: event.cause):
        version = await store.append(namespace, name, list(decision), expected_version=version)
    return await store.load(namespace, name)


def events_of(stored: Sequence[StoredEvent], kind: type[Event]) -> list[StoredEvent]:
    return [s for s in stored if isinstance(s.event, kind)]
