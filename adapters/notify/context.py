"""The variables a notification template sees, built for one event.

`.rollout` is the Rollout as it was when the event was recorded, before the event's own change:
Argo records a Kubernetes event on the object it is reconciling, whose status is not yet
updated, and its templates count on that (`step number {{add currentStepIndex 1}}` names the
step that just completed). `.analysisRuns` are live: the runs of the current revision, newest
first, after the event. `.analysisRun` is the run the event is about (for an abort: the run
that failed), and `.event` says what happened (reason, type, message, time) and who asked for
it (`.event.actor`, e.g. `alice@cli`, when a command caused it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import events.models as ev
from adapters.notify.gotemplate import GoFunction, GoTime, parse_rfc3339
from adapters.notify.rollout_json import analysis_run_object, iso, rollout_object
from adapters.notify.tracker import Step
from events.base import Event
from events.phases import AnalysisPhase
from rollouts.run_state import AnalysisRunState
from rollouts.state import RolloutState

_UNHAPPY = (AnalysisPhase.FAILED, AnalysisPhase.ERROR, AnalysisPhase.INCONCLUSIVE)


def current_runs(state: RolloutState) -> list[AnalysisRunState]:
    runs = [run for run in state.analysis_runs.values() if run.revision == state.revision]
    return list(reversed(runs))


def concerned_run(state: RolloutState, event: Event) -> AnalysisRunState | None:
    name = getattr(event, "run_name", None)
    if isinstance(name, str) and name in state.analysis_runs:
        return state.analysis_runs[name]
    runs = current_runs(state)
    if isinstance(event, ev.RolloutAborted):
        failed = [run for run in runs if run.phase in _UNHAPPY]
        return failed[0] if failed else None
    return runs[0] if runs else None


def event_message(event: Event) -> str:
    if isinstance(event, ev.RolloutStepCompleted):
        return f"Rollout step {event.step_index + 1}/{event.step_count} completed ({event.step})"
    fields = event.model_dump()
    for name in ("message", "reason"):
        value = fields.get(name)
        if isinstance(value, str) and value:
            return value
    return ""


def time_functions(now: datetime) -> dict[str, GoFunction]:
    return {
        "Now": GoFunction("Now", lambda: GoTime(now)),
        "Parse": GoFunction("Parse", lambda text: parse_rfc3339(str(text))),
    }


def actor_of(step: Step) -> str:
    """Who asked for this event: the actor of the command it was decided on ("" when no
    command caused it: an observation, a timer)."""
    cause, actor = step.after.command
    return actor if cause and cause == step.event.cause else ""


def event_variables(
    step: Step, reason: str, now: datetime, context: Mapping[str, str]
) -> dict[str, Any]:
    before, after = step.before, step.after
    event = step.event
    variables: dict[str, Any] = {
        "rollout": rollout_object(before.state, before.manifest or after.manifest),
        "analysisRuns": [analysis_run_object(after.state, r) for r in current_runs(after.state)],
        "time": time_functions(now),
        "context": dict(context),
        "event": {
            "reason": reason,
            "type": type(event).__name__,
            "message": event_message(event),
            "time": iso(event.at),
            "id": step.stored.envelope.id,
            "actor": actor_of(step),
        },
    }
    run = concerned_run(after.state, event)
    if run is not None:
        variables["analysisRun"] = analysis_run_object(after.state, run)
    return variables


def condition_variables(variables: Mapping[str, Any]) -> dict[str, Any]:
    """What a trigger's `when` sees: the data without the time functions."""
    return {key: value for key, value in variables.items() if key != "time"}
