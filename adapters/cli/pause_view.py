"""The maximum pause line of `get rollout`: how long the rollout has been paused, its limit,
and what happens (or happened) when the limit is reached.

    Pause limit:    paused 12m, limit 10m (rollouts.dev/max-pause) → abort at 14:03:00 UTC

The controller's default is a setting of the controller process, not part of the history, so
`get` reads the same variables (ROLLOUTS_MAX_PAUSE, ROLLOUTS_MAX_PAUSE_ACTION) from its own
environment; a Rollout's annotations, and a limit already reached, come from the history.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from adapters.runtime.pause_settings import PauseSettingError, pause_limit_from_env
from events.pause_limit import PauseLimit, PauseLimitExceeded
from rollouts.decide.pause_limit import describe_limit, limit_of, pause_deadline
from rollouts.durations import format_seconds
from rollouts.state import RolloutState

_DONE = {"notify": "notified", "abort": "aborted", "promote": "promoted"}


@dataclass(frozen=True)
class PauseLimitView:
    paused_since: datetime
    limit: PauseLimit
    overrun: PauseLimitExceeded | None = None

    def text(self, now: datetime | None) -> str:
        paused = int((now - self.paused_since).total_seconds()) if now else 0
        head = f"paused {format_seconds(max(0, paused))}, limit {describe_limit(self.limit)}"
        if self.overrun is not None:
            return f"{head} → {_DONE[self.overrun.action]} at {_clock(self.overrun.at)}"
        deadline = self.paused_since + timedelta(seconds=self.limit.seconds)
        return f"{head} → {self.limit.action} at {_clock(deadline)}"


def _clock(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def controller_default(environ: Mapping[str, str] | None = None) -> PauseLimit | None:
    """The default as this process's environment sets it (an unusable one shows none)."""
    try:
        return pause_limit_from_env(os.environ if environ is None else environ)
    except PauseSettingError:
        return None


def pause_limit_view(state: RolloutState, default: PauseLimit | None) -> PauseLimitView | None:
    """The line's data while the rollout is paused under a limit; None otherwise. A limit
    already reached shows the limit it was held to, whatever the settings say now."""
    since = state.paused_since
    if since is None:
        return None
    overrun = state.pause_overrun
    if overrun is not None and overrun.paused_since == since:
        held = PauseLimit(
            seconds=overrun.limit_seconds, action=overrun.action, source=overrun.source
        )
        return PauseLimitView(since, held, overrun)
    limit = limit_of(state, default)
    if limit is None or pause_deadline(state, limit) is None:
        return None
    return PauseLimitView(since, limit)
