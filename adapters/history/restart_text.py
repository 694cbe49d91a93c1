"""One line for each event of a pod restart, shared by `rollouts events` and the audit."""

from __future__ import annotations

from events.base import Event
from events.restart import (
    PodEvictionRequested,
    PodsEvicted,
    RestartPodsCheckRequested,
    RolloutRestarted,
)

RESTART_EVENTS: tuple[type[Event], ...] = (
    RestartPodsCheckRequested,
    PodEvictionRequested,
    PodsEvicted,
    RolloutRestarted,
)


def _at(event: RestartPodsCheckRequested | PodEvictionRequested | PodsEvicted) -> str:
    return event.restart_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def restart_text(event: Event) -> str:
    if isinstance(event, RestartPodsCheckRequested):
        return f"restart {_at(event)}: pods checked (check {event.round})"
    if isinstance(event, PodEvictionRequested):
        left = f"{event.pods_to_restart} of {event.pods_total} pods still to restart"
        return f"restart {_at(event)}: evicting {', '.join(event.pods)} ({left})"
    if isinstance(event, PodsEvicted):
        parts = [f"{len(event.evicted)} evicted"]
        if event.refused:
            parts.append(f"{len(event.refused)} refused ({', '.join(event.refused)})")
        if event.gone:
            parts.append(f"{len(event.gone)} already gone")
        note = f": {event.message}" if event.message else ""
        return f"restart {_at(event)}: {', '.join(parts)}{note}"
    assert isinstance(event, RolloutRestarted)
    at = event.restart_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    if event.cancelled:
        return f"restart {at} cancelled: {event.reason}"
    return f"restarted (restartedAt {at}): {event.reason}"
