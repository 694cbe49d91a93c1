"""evolve handler for JudgmentRecorded: the run remembers its latest judgment.

Only the newest is kept in the state, as Argo keeps only recent measurements; the stream holds
every judgment. A judgment for a run the state does not know (a history cut short, a run that
was replaced) changes nothing.
"""

from __future__ import annotations

from events.base import Event
from events.judgment import JudgmentRecorded
from rollouts.state import RolloutState
from rollouts.state_changes import Handler, StateChanges, changed


def _judged(s: RolloutState, e: JudgmentRecorded) -> StateChanges:
    run = s.analysis_runs.get(e.run_name)
    if run is None:
        return {}
    judged = changed(run, {"judgment": e.judgment})
    return {"analysis_runs": {**s.analysis_runs, run.name: judged}}


JUDGE_HANDLERS: dict[type[Event], Handler] = {JudgmentRecorded: _judged}
