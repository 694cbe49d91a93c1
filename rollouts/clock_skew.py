"""Times that come from outside (a platform's or a worker's clock) are held to the controller's.

An observation reports when something happened by its observer's clock. One from the future
(a skewed clock, a bad message: `observed_at` 9999-12-31) used to be kept as the ReplicaSet's
"last observed" time, and every later report, being older, was dropped as stale: the rollout
froze. A time up to `SKEW_TOLERANCE` ahead is believed (clocks on different machines disagree
by milliseconds to seconds under NTP; 30 s is well above that and well below any pause,
interval or deadline a rollout measures); beyond it the controller's time is used instead.
Pure: `now` is the decision time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

SKEW_TOLERANCE = timedelta(seconds=30)


def skewed(reported: datetime | None, now: datetime) -> bool:
    """True when `reported` is further ahead of `now` than the tolerance."""
    return reported is not None and reported > now + SKEW_TOLERANCE


def bounded(reported: datetime | None, now: datetime) -> datetime | None:
    """`reported`, or `now` when it lies beyond the tolerance in the future."""
    return now if skewed(reported, now) else reported
