"""One decision of the fleet coordinator: the events so far, folded as they are decided."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from events import fleet as ev
from events.base import Event
from rollouts.fleet.fsm import fleet_next
from rollouts.fleet.state import FleetState, evolve_fleet


@dataclass
class FleetDecision:
    state: FleetState
    cause: str
    now: datetime
    actor: str = ""
    events: list[Event] = field(default_factory=list)

    def emit(self, event: Event) -> None:
        self.events.append(event)
        self.state = evolve_fleet(self.state, event)

    def move(self, trigger: str, message: str) -> None:
        """Record a phase change the table allows (raises IllegalTransition otherwise)."""
        previous = self.state.phase
        phase = fleet_next(previous, trigger)
        if phase != previous:
            self.emit(
                ev.FleetPhaseChanged(
                    cause=self.cause,
                    at=self.now,
                    previous=previous,
                    phase=phase,
                    trigger=trigger,
                    message=message,
                )
            )
