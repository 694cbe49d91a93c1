"""The fleet rollout's state machine, as data: (trigger, source, dest) rows.

Phases mirror a rollout's, one level up: Pending (a revision was applied, no wave started yet),
Progressing (wave k is rolling out or baking), Paused (waiting at a manual gate), Degraded (the
fleet aborted) and Healthy (every wave completed). The decision code asks this table before it
records any phase change, so a change the table does not list is refused, never papered over.
Plain data and a lookup: the domain's one `transitions` import stays in `rollouts.fsm`.
"""

from __future__ import annotations

from typing import Final

from events.fleet import FleetPhase
from rollouts.errors import IllegalTransition

NEW: Final = "New"
PENDING: Final = "Pending"
PROGRESSING: Final = "Progressing"
PAUSED: Final = "Paused"
DEGRADED: Final = "Degraded"
HEALTHY: Final = "Healthy"
PHASES: Final = (PENDING, PROGRESSING, PAUSED, DEGRADED, HEALTHY)
ACTIVE: Final = frozenset({PENDING, PROGRESSING, PAUSED})
"""Phases in which some cluster may still be moving to the revision (abort applies)."""

FLEET_TRANSITIONS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("apply", (NEW, *PHASES), PENDING),
    ("start_wave", (PENDING, PROGRESSING), PROGRESSING),
    ("gate", (PENDING, PROGRESSING), PAUSED),
    ("promote", (PAUSED,), PROGRESSING),
    ("abort", (PENDING, PROGRESSING, PAUSED), DEGRADED),
    ("complete", (PROGRESSING,), HEALTHY),
)
"""A new revision may be applied in any phase. Waves start only while the fleet moves forward;
a gate is opened only by promote. Abort leaves only from the active phases: a Degraded fleet
has nothing left to abort and a Healthy one has nothing in progress."""

_TABLE: dict[tuple[str, str], str] = {
    (trigger, source): dest for trigger, sources, dest in FLEET_TRANSITIONS for source in sources
}


def fleet_triggers() -> tuple[str, ...]:
    return tuple(dict.fromkeys(row[0] for row in FLEET_TRANSITIONS))


def fleet_next(source: FleetPhase | None, trigger: str) -> FleetPhase:
    """The phase `trigger` leads to from `source`; IllegalTransition when the table has none."""
    src = NEW if source is None else source
    dest = _TABLE.get((trigger, src))
    if dest is None:
        raise IllegalTransition("fleet rollout", trigger, src)
    return dest  # type: ignore[return-value]


def mermaid() -> str:
    """Mermaid state diagram generated from the table (for the README)."""
    lines = ["stateDiagram-v2", f"    [*] --> {NEW}"]
    for trigger, sources, dest in FLEET_TRANSITIONS:
        lines += [f"    {source} --> {dest}: {trigger}" for source in sources]
    return "\n".join(lines) + "\n"
