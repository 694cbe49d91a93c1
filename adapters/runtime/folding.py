"""Folding stored events for readers: the CLI's views, the client's listings.

The stream may hold an event that decodes but cannot be folded: one forged by a writer other
than the controller, contradicting the state. The projection skips it with a log line and a
metric (`adapters.runtime.projection`); a reader must skip it the same way, or one bad message
on one rollout's subject makes `list`, `get` and `status` fail for everyone.
"""

from __future__ import annotations

from collections.abc import Iterable

from events.base import Event
from rollouts.evolve import evolve
from rollouts.state import RolloutState


def evolve_readable(state: RolloutState, event: Event) -> RolloutState:
    """The next state, or the same one when `event` cannot be folded into it."""
    try:
        return evolve(state, event)
    except Exception:  # the core refuses it; the reader keeps its place in the history
        return state


def fold_readable(state: RolloutState, events: Iterable[Event]) -> RolloutState:
    for event in events:
        state = evolve_readable(state, event)
    return state
