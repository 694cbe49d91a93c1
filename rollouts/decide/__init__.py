"""decide(state, input, now) -> events: the whole rollout controller as one pure function.

A decision handles the input (a command is accepted or refused, an observation recorded), then
reconciles in passes until nothing changes, exactly like Argo's controller re-queueing a rollout
after each reconcile. Each pass advances at most one canary step. The phase is derived after
every pass and any change is checked against the FSM table and recorded.

The package imports its engine on first use of `decide`, `decide_with_state` or `reconcile`,
so a reader of one of its modules (`rollouts.decide.pause_limit` for `rollouts get`) does not
load every pass of the controller.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rollouts.decide.engine import decide, decide_with_state, reconcile

__all__ = ["decide", "decide_with_state", "reconcile"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module("rollouts.decide.engine"), name)
    globals()[name] = value
    return value
