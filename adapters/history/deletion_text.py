"""One line for a deleted rollout and for its stuck pods, shared by `rollouts events` and the
audit."""

from __future__ import annotations

from events.base import Event
from events.deletion import RolloutDeleted
from events.pod_failures import PodFailuresRecorded

DELETION_EVENTS: tuple[type[Event], ...] = (RolloutDeleted, PodFailuresRecorded)
SHOWN = 3


def deletion_text(event: Event) -> str:
    if isinstance(event, RolloutDeleted):
        return f"DELETED (life {event.life} ended, {event.reason}): {event.message}"
    assert isinstance(event, PodFailuresRecorded)
    if not event.failures:
        return f"pods of {event.pod_template_hash} no longer stuck"
    named = "; ".join(failure.describe() for failure in event.failures[:SHOWN])
    more = len(event.failures) - SHOWN
    tail = f" (and {more} more)" if more > 0 else ""
    return f"pods of {event.pod_template_hash} stuck: {named}{tail}"
