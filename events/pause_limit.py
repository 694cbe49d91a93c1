"""The maximum pause policy, as the stream and the timer's ticks carry it.

A rollout left paused for ever is one of the brief's failure scenarios. A limit (a controller-wide
default, or the Rollout's own annotation) says how long a pause may last and what happens when it
lasts longer: a notification only, an abort, or a promotion. The values live here, beside the
event that records a limit being reached, because both are part of the published contract and
`events` imports nothing of the project.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from events.base import Count, Event, register_event

# notify: the event (and its notification trigger) only; abort: as `rollouts abort` would;
# promote: as `rollouts promote` would (lift the pause, or skip an inconclusive step).
PauseAction = Literal["notify", "abort", "promote"]
PAUSE_ACTIONS: tuple[PauseAction, ...] = ("notify", "abort", "promote")
# Where a limit came from: the controller's setting, or the Rollout's annotation.
PauseLimitSource = Literal["controller", "annotation"]


class PauseLimit(BaseModel):
    """How long a rollout may stay paused (whole seconds, at least 1) and what follows."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    seconds: int = Field(ge=1)
    action: PauseAction = "notify"
    source: PauseLimitSource = "controller"


@register_event
class PauseLimitExceeded(Event):
    """A rollout stayed paused longer than its limit; `action` is what the controller did.

    Schema version 1. `paused_since` is when the rollout became paused (the pause the limit
    was measured against), `limit_seconds` and `source` the limit that applied. An `abort` or a
    `promote` is followed, in the same decision, by the events that carry it out.
    """

    paused_since: datetime
    limit_seconds: Count
    action: PauseAction
    source: PauseLimitSource
    message: str
