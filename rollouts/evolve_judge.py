"""evolve handler for JudgmentRecorded: the run remembers its latest judgment.

Only the newest is kept in the state, as Argo keeps only recent measurements; the stream holds
every judgment. A judgment for a run the state does not know (a history cut short, a run that
was replaced) changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from events.base import Event
from events.judgment import JudgmentRecorded
from rollouts.state import RolloutState

Handler = Callable[[RolloutState, Any], dict[str, Any]]


def _judged(s: RolloutState, e: JudgmentRecorded) -> dict[str, Any]:
    run = s.analysis_runs.get(e.run_name)
    if run is None:
        return {}
    judged = run.model_copy(update={"judgment": e.judgment})
    return {"analysis_runs": {**s.analysis_runs, run.name: judged}}


JUDGE_HANDLERS: dict[type[Event], Handler] = {JudgmentRecorded: _judged}
