"""The maximum pause annotations of a Rollout, and the text form both they and the setting use.

Our extension of the Rollout lives in annotations under `rollouts.dev/`, so a manifest written
for Argo stays valid for Argo (which ignores them):

    rollouts.dev/max-pause: 30m            # a Go duration or whole seconds; `off`: no limit
    rollouts.dev/max-pause-action: abort   # notify (default) | abort | promote

Each annotation overrides its half of the controller's default, so a Rollout may keep the
controller's duration and choose its own action. A bad value is refused when the Rollout is
applied, in one line naming the annotation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from events.pause_limit import PAUSE_ACTIONS, PauseAction, PauseLimit, PauseLimitSource
from rollouts.durations import parse_go_duration
from rollouts.spec.problems import ProblemList

MAX_PAUSE_ANNOTATION = "rollouts.dev/max-pause"
MAX_PAUSE_ACTION_ANNOTATION = "rollouts.dev/max-pause-action"
OFF = "off"
MAX_SECONDS = 366 * 24 * 3600
"""A year and a day: anything longer is a typo, not a policy."""
_WHOLE_SECONDS = re.compile(r"\d+")


def parse_limit_seconds(text: str, name: str) -> int | None:
    """Seconds of a limit (None for `off`); ValueError names `name` (annotation or variable)."""
    value = text.strip()
    if value.lower() == OFF:
        return None
    try:
        seconds = int(value) if _WHOLE_SECONDS.fullmatch(value) else parse_go_duration(value)
    except ValueError:
        seconds = -1.0
    if not 1 <= seconds <= MAX_SECONDS or seconds != int(seconds):
        raise ValueError(
            f"{name}: {text!r} is not a pause limit; use whole seconds or a duration of at "
            f"least 1s and at most 8784h, such as 600, 30m or 2h, or `off`"
        )
    return int(seconds)


def parse_action(text: str, name: str) -> PauseAction:
    value = text.strip().lower()
    if value not in PAUSE_ACTIONS:
        raise ValueError(
            f"{name}: {text!r} is not an action; use one of {', '.join(PAUSE_ACTIONS)}"
        )
    return value


def limit_from_text(
    seconds_text: str | None,
    action_text: str | None,
    names: tuple[str, str],
    source: PauseLimitSource = "controller",
) -> PauseLimit | None:
    """A limit from its two texts (either may be absent); None when no duration is set."""
    action = parse_action(action_text, names[1]) if action_text is not None else "notify"
    seconds = parse_limit_seconds(seconds_text, names[0]) if seconds_text is not None else None
    return None if seconds is None else PauseLimit(seconds=seconds, action=action, source=source)


def effective_limit(
    annotations: Mapping[str, str], default: PauseLimit | None
) -> PauseLimit | None:
    """The limit that applies to a Rollout: its annotations over the controller's default.

    Assumes annotations that passed `check_pause_annotations` (a bad one counts as absent)."""
    seconds_text = annotations.get(MAX_PAUSE_ANNOTATION)
    action_text = annotations.get(MAX_PAUSE_ACTION_ANNOTATION)
    try:
        seconds = parse_limit_seconds(seconds_text, MAX_PAUSE_ANNOTATION) if seconds_text else 0
        action = parse_action(action_text, MAX_PAUSE_ACTION_ANNOTATION) if action_text else None
    except ValueError:
        return default
    if seconds is None:  # `off`: this Rollout has no limit, whatever the default
        return None
    if not seconds and action is None:
        return default
    if not seconds and default is None:
        return None  # an action alone, with no duration anywhere
    return PauseLimit(
        seconds=seconds or (default.seconds if default else 0),
        action=action or (default.action if default else "notify"),
        source="annotation",
    )


def check_pause_annotations(annotations: Mapping[str, str], problems: ProblemList) -> None:
    """Refuse a Rollout whose maximum pause annotations cannot be read."""
    for name, parse in (
        (MAX_PAUSE_ANNOTATION, parse_limit_seconds),
        (MAX_PAUSE_ACTION_ANNOTATION, parse_action),
    ):
        text = annotations.get(name)
        if text is None:
            continue
        try:
            parse(text, name)
        except ValueError as error:
            message = str(error).removeprefix(f"{name}: ")
            problems.error(f"metadata.annotations[{name}]", message)
