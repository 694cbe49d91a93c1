"""The controller-wide maximum pause, from the process's environment.

    ROLLOUTS_MAX_PAUSE=30m             # a Go duration or whole seconds; unset or `off`: no limit
    ROLLOUTS_MAX_PAUSE_ACTION=abort    # notify (default) | abort | promote

Off unless set, so a rollout pauses exactly as under Argo. The timer worker puts the limit on
every tick; a Rollout's `rollouts.dev/max-pause` annotations override it (`rollouts.spec.
pause_limit`). `rollouts get rollout` reads the same variables to show the limit that applies.
"""

from __future__ import annotations

from collections.abc import Mapping

from events.pause_limit import PauseLimit

MAX_PAUSE_VARIABLE = "ROLLOUTS_MAX_PAUSE"
MAX_PAUSE_ACTION_VARIABLE = "ROLLOUTS_MAX_PAUSE_ACTION"


class PauseSettingError(ValueError):
    """A maximum pause variable the process cannot use; the message names it, in one line."""


def pause_limit_from_env(env: Mapping[str, str]) -> PauseLimit | None:
    seconds = env.get(MAX_PAUSE_VARIABLE) or None
    action = env.get(MAX_PAUSE_ACTION_VARIABLE) or None
    if seconds is None and action is None:
        return None  # and every CLI command is spared importing the spec package
    from rollouts.spec.pause_limit import limit_from_text

    try:
        return limit_from_text(seconds, action, (MAX_PAUSE_VARIABLE, MAX_PAUSE_ACTION_VARIABLE))
    except ValueError as error:
        raise PauseSettingError(str(error)) from None
