"""An observation's own times, checked against the decision time before anything uses them.

See `rollouts.clock_skew`: a time further ahead than the tolerance is replaced by `now` and the
replacement is recorded as `ObservationClockSkewed`, naming the input type, the field and the
time it reported.
"""

from __future__ import annotations

from datetime import datetime

import events.models as ev
from events.base import Observation
from rollouts.clock_skew import SKEW_TOLERANCE, skewed
from rollouts.decide.context import Decision


def checked_time(ctx: Decision, observation: Observation, field: str) -> datetime | None:
    """The value of `observation.<field>`, or `ctx.now` (recorded) when it is in the future."""
    reported: datetime | None = getattr(observation, field)
    if reported is None or not skewed(reported, ctx.now):
        return reported
    ctx.emit(
        ev.ObservationClockSkewed,
        observation=observation.type_name(),
        field=field,
        reported_at=reported,
        tolerance_seconds=int(SKEW_TOLERANCE.total_seconds()),
    )
    return ctx.now
