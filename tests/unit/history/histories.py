"""Rich histories built with the simulator, stored as the controller would store them.

Each scenario drives the pure core through `Sim` (so the events are exactly what the controller
would decide), with the clock advanced between steps so durations are not all zero. Inputs are
recorded as they are sent, as the ROLLOUT_INPUTS stream would keep them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import events.inputs as inp
from adapters.history.causes import RecordedInput
from events.base import Event, Input
from events.envelope import Envelope
from events.phases import AnalysisPhase, AnalysisRunKind
from events.store import StoredEvent, decision_ids
from tests.support.sim import Sim, analysis, istio_canary, rollout_manifest

STEPS = [{"setWeight": 20}, {"pause": {}}, {"setWeight": 50}, {"pause": {"duration": "1m"}}]


@dataclass
class RecordingSim(Sim):
    """A Sim that keeps every input it sends and every decision as one group of events."""

    inputs: dict[str, RecordedInput] = field(default_factory=dict)
    decisions: list[list[Event]] = field(default_factory=list)

    def send(self, input: Input) -> list[Event]:
        self.inputs[input.input_id] = RecordedInput(input, self.now)
        decided = super().send(input)
        if decided:
            self.decisions.append(decided)
        return decided

    def tick(self, seconds: float) -> None:
        """Advance the clock and fire the timer the way the timer worker names its ticks."""
        self.now += timedelta(seconds=seconds)
        self.send(inp.Tick(input_id=f"tick:{self.namespace}/{self.name}:{self.now.isoformat()}"))
        self.platform()

    def stored(self, first_stream_sequence: int = 1) -> list[StoredEvent]:
        return store_decisions(self.namespace, self.name, self.decisions, first_stream_sequence)


def store_decisions(
    namespace: str, name: str, decisions: list[list[Event]], first_stream_sequence: int = 1
) -> list[StoredEvent]:
    stored: list[StoredEvent] = []
    for decided in decisions:
        version = stored[-1].stream_sequence if stored else 0
        ids = decision_ids(namespace, name, decided, expected_version=version)
        for event, event_id in zip(decided, ids, strict=True):
            sequence = len(stored) + 1
            envelope = Envelope.for_event(
                event, namespace=namespace, name=name, rollout_sequence=sequence, id=event_id
            )
            stored.append(
                StoredEvent(first_stream_sequence + sequence - 1, sequence, envelope, event)
            )
    return stored


def _at(sim: RecordingSim, hour: int, minute: int = 0) -> None:
    sim.now = sim.now.replace(hour=hour, minute=minute, second=0)


def canary_abort_retry_promote(name: str = "demo", namespace: str = "default") -> RecordingSim:
    """v1 deployed; v2 paused at step 2, aborted by alice, retried, promoted by bob, completes
    after a timed pause; v3 undone back to v2's template (a rollback)."""
    sim = RecordingSim(name=name, namespace=namespace)
    sim.deploy(rollout_manifest(name, replicas=2, canary=istio_canary(STEPS)))
    _at(sim, 1)
    sim.deploy(rollout_manifest(name, replicas=2, image="app:2", canary=istio_canary(STEPS)))
    sim.now = sim.now.replace(second=30)
    sim.command(inp.Abort, actor="alice")
    sim.platform()
    _at(sim, 1, 5)
    sim.command(inp.Retry, actor="alice")
    sim.platform()
    _at(sim, 1, 10)
    sim.command(inp.Promote, actor="bob")
    sim.platform()
    sim.tick(60)
    sim.run_timers()
    _at(sim, 2)
    sim.deploy(rollout_manifest(name, replicas=2, image="app:3", canary=istio_canary(STEPS)))
    _at(sim, 2, 30)
    sim.command(inp.Undo, actor="carol")
    sim.platform()
    sim.run_timers()
    return sim


def blue_green(name: str = "shop", namespace: str = "default") -> RecordingSim:
    """Blue-green with a manual promotion and a failed pre-promotion analysis on v3."""
    bg = {"activeService": "active", "previewService": "preview", "autoPromotionEnabled": False}
    sim = RecordingSim(name=name, namespace=namespace)
    sim.deploy(rollout_manifest(name, replicas=2, blue_green=bg))
    _at(sim, 3)
    sim.deploy(rollout_manifest(name, replicas=2, image="shop:2", blue_green=bg))
    _at(sim, 3, 20)
    sim.command(inp.Promote, actor="dave")
    sim.platform()
    sim.run_timers()
    _at(sim, 4)
    checked = {**bg, "prePromotionAnalysis": analysis("smoke")}
    sim.deploy(rollout_manifest(name, replicas=2, image="shop:3", blue_green=checked))
    _at(sim, 4, 2)
    sim.observe_run(AnalysisRunKind.PRE_PROMOTION, AnalysisPhase.FAILED, "error rate 12% > 5%")
    sim.run_timers()
    return sim


def moment(sim: RecordingSim, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return sim.now.replace(hour=hour, minute=minute, second=second)
