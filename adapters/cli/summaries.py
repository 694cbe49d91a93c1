"""One short line per event for `rollouts events`: what happened, in the user's words.

One formatter per event family; `summarize` falls back to the raw fields for a type it does
not know (an event from a newer writer), so the history always prints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import events.models as ev
from adapters.history.deletion_text import DELETION_EVENTS, deletion_text
from adapters.history.restart_text import RESTART_EVENTS, restart_text
from events.base import Event
from events.quarantine import Unreadable

Formatter = Callable[[Any, str], str]
ARROW = "→"


def _rs(rollout: str, pod_hash: str) -> str:
    return f"{rollout}-{pod_hash}"


def _images(template: dict[str, Any]) -> str:
    containers = template.get("spec", {}).get("containers", [])
    return ", ".join(str(c.get("image", "?")) for c in containers if isinstance(c, dict))


def _suffix(text: str) -> str:
    return f": {text}" if text else ""


def _spec(event: Event, rollout: str) -> str:
    if isinstance(event, ev.SpecApplied):
        template = event.manifest.get("spec", {}).get("template", {})
        return f"spec generation {event.generation} applied ({_images(template)})"
    if isinstance(event, ev.CommandAccepted):
        arguments = " ".join(f"{key}={value}" for key, value in event.arguments.items())
        by = f" by {event.actor}" if event.actor else ""
        return f"command {event.command}{' ' + arguments if arguments else ''} accepted{by}"
    if isinstance(event, ev.RevisionCreated):
        name = _rs(rollout, event.pod_template_hash)
        return f"revision {event.revision} created: {name} ({_images(event.template)})"
    if isinstance(event, ev.RevisionReused):
        delay = " (within scale-down delay)" if event.within_scale_down_delay else ""
        return f"revision {event.revision} reuses {_rs(rollout, event.pod_template_hash)}{delay}"
    assert isinstance(event, ev.UpdateReset)
    step = "no steps" if event.step_index is None else f"step {event.step_index + 1}"
    return f"update reset to {step}{_suffix(event.reason)}"


def _steps(event: Event, rollout: str) -> str:
    if isinstance(event, ev.StepsSkipped):
        return f"skipped to step {event.step_index + 1}{_suffix(event.reason)}"
    if isinstance(event, ev.StepsRewound):
        return f"rewound to step {event.step_index + 1}{_suffix(event.reason)}"
    if isinstance(event, ev.RolloutStepCompleted):
        return f"step {event.step_index + 1}/{event.step_count} completed ({event.step})"
    if isinstance(event, ev.PauseConditionAdded):
        return f"paused: {event.reason.value}"
    if isinstance(event, ev.PauseConditionRemoved):
        return f"pause lifted: {event.reason.value}"
    if isinstance(event, ev.PauseConditionsCleared):
        return f"all pauses lifted{_suffix(event.reason)}"
    assert isinstance(event, ev.ManualPauseChanged)
    return "paused by user" if event.paused else "user pause lifted"


def _outcome(event: Event, rollout: str) -> str:
    if isinstance(event, ev.RolloutAborted):
        return f"aborted revision {event.revision}{_suffix(event.message)}"
    if isinstance(event, ev.AbortCleared):
        return f"abort cleared{_suffix(event.reason)}"
    if isinstance(event, ev.FullPromotionRequested):
        return "full promotion requested"
    if isinstance(event, ev.RolloutCompleted):
        stable = _rs(rollout, event.stable_hash)
        return f"revision {event.revision} is stable: {stable}{_suffix(event.reason)}"
    if isinstance(event, ev.ProgressDeadlineExceeded):
        return f"progress deadline exceeded{_suffix(event.message)}"
    assert isinstance(event, ev.ScaleUpPreviewCheckpointPassed)
    return "preview checkpoint passed: the preview scales to full size"


def _replica_sets(event: Event, rollout: str) -> str:
    if isinstance(event, ev.ReplicaSetScaleRequested):
        name = _rs(rollout, event.pod_template_hash)
        return (
            f"scaled {name} (rev {event.revision}) {event.from_replicas} {ARROW} "
            f"{event.to_replicas}"
        )
    if isinstance(event, ev.ReplicaSetStatusObserved):
        return (
            f"{_rs(rollout, event.pod_template_hash)}: {event.replicas} replicas, "
            f"{event.ready_replicas} ready, {event.available_replicas} available"
        )
    if isinstance(event, ev.ScaleDownDeadlineSet):
        deadline = event.deadline.strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"{_rs(rollout, event.pod_template_hash)} scales down at {deadline}"
    if isinstance(event, ev.ScaleDownDeadlineRemoved):
        return f"{_rs(rollout, event.pod_template_hash)} scale-down deadline removed"
    assert isinstance(event, ev.ReplicaSetDeletionRequested)
    return f"delete {_rs(rollout, event.pod_template_hash)} (rev {event.revision})"


def _traffic(event: Event, rollout: str) -> str:
    if isinstance(event, ev.TrafficWeightRequested):
        return (
            f"weight {event.canary_weight} {ARROW} canary {event.canary_hash}, "
            f"{event.stable_weight} {ARROW} stable {event.stable_hash}"
        )
    if isinstance(event, ev.TrafficWeightApplied):
        verified = {True: " (verified)", False: " (not verified)", None: ""}[event.verified]
        return f"router holds canary weight {event.canary_weight}{verified}"
    if isinstance(event, ev.ManagedRouteSet):
        action = "set" if event.route is not None else "removed"
        return f"{event.kind} route {event.name!r} {action}"
    if isinstance(event, ev.ManagedRoutesRemoved):
        return f"managed routes removed{_suffix(event.reason)}"
    if isinstance(event, ev.TrafficDriftCorrected):
        found = "unknown" if event.found_canary_weight is None else event.found_canary_weight
        return (
            f"router drift corrected: canary weight was {found}, "
            f"restored {event.expected_canary_weight}{_suffix(event.detail)}"
        )
    assert isinstance(event, ev.ServiceSelectorSwitched)
    target = _rs(rollout, event.pod_template_hash)
    return f"service {event.service} ({event.role}) {ARROW} {target}"


def _analysis(event: Event, rollout: str) -> str:
    if isinstance(event, ev.AnalysisRunRequested):
        return f"{event.kind.value} analysis {event.run_name} started for revision {event.revision}"
    if isinstance(event, ev.AnalysisRunStatusChanged):
        change = f"{event.previous_phase.value} {ARROW} {event.phase.value}"
        return f"{event.kind.value} analysis {event.run_name}: {change}{_suffix(event.message)}"
    if isinstance(event, ev.AnalysisRunTerminationRequested):
        return f"terminate analysis {event.run_name}{_suffix(event.reason)}"
    return _measurement(event)


def _measurement(event: Event) -> str:
    if isinstance(event, ev.AnalysisRunStarted):
        names = ", ".join(str(m.get("name", "?")) for m in event.metrics)
        return f"analysis {event.run_name} running metrics {names}"
    if isinstance(event, ev.MeasurementDue):
        return f"measure {event.metric} #{event.index} of {event.run_name}"
    if isinstance(event, ev.MeasurementRecorded):
        dry = " (dry run)" if event.dry_run else ""
        value = f" value {event.value}" if event.value else ""
        verdict = f"{event.phase.value}{dry}{_suffix(event.message)}"
        return f"{event.metric} #{event.index}:{value} {verdict}"
    assert isinstance(event, ev.MetricPhaseChanged)
    change = f"{event.previous_phase.value} {ARROW} {event.phase.value}"
    return f"metric {event.metric} of {event.run_name}: {change}{_suffix(event.message)}"


def _phase(event: Event, rollout: str) -> str:
    assert isinstance(event, ev.RolloutPhaseChanged)
    before = event.from_phase.value if event.from_phase else "(new)"
    return (
        f"phase {before} {ARROW} {event.to_phase.value} ({event.trigger}){_suffix(event.message)}"
    )


def _clock(event: Event, rollout: str) -> str:
    assert isinstance(event, ev.ObservationClockSkewed)
    return (
        f"{event.observation}.{event.field} {event.reported_at.isoformat()} is more than "
        f"{event.tolerance_seconds}s ahead of the controller's clock; judged at "
        f"{event.at.isoformat()}"
    )


def _pause_limit(event: Event, rollout: str) -> str:
    assert isinstance(event, ev.PauseLimitExceeded)
    return f"pause limit exceeded{_suffix(event.message)}"


def _judgment(event: Event, rollout: str) -> str:
    assert isinstance(event, ev.JudgmentRecorded)
    return f"judgment #{event.index + 1} of {event.run_name}: {event.judgment.summary()}"


FAMILIES: dict[Formatter, tuple[type[Event], ...]] = {
    _spec: (
        ev.SpecApplied,
        ev.CommandAccepted,
        ev.RevisionCreated,
        ev.RevisionReused,
        ev.UpdateReset,
    ),
    _steps: (
        ev.StepsSkipped,
        ev.StepsRewound,
        ev.RolloutStepCompleted,
        ev.PauseConditionAdded,
        ev.PauseConditionRemoved,
        ev.PauseConditionsCleared,
        ev.ManualPauseChanged,
    ),
    _outcome: (
        ev.RolloutAborted,
        ev.AbortCleared,
        ev.FullPromotionRequested,
        ev.RolloutCompleted,
        ev.ProgressDeadlineExceeded,
        ev.ScaleUpPreviewCheckpointPassed,
    ),
    _replica_sets: (
        ev.ReplicaSetScaleRequested,
        ev.ReplicaSetStatusObserved,
        ev.ScaleDownDeadlineSet,
        ev.ScaleDownDeadlineRemoved,
        ev.ReplicaSetDeletionRequested,
    ),
    _traffic: (
        ev.TrafficWeightRequested,
        ev.TrafficWeightApplied,
        ev.ManagedRouteSet,
        ev.ManagedRoutesRemoved,
        ev.ServiceSelectorSwitched,
        ev.TrafficDriftCorrected,
    ),
    _analysis: (
        ev.AnalysisRunRequested,
        ev.AnalysisRunStatusChanged,
        ev.AnalysisRunTerminationRequested,
        ev.AnalysisRunStarted,
        ev.MeasurementDue,
        ev.MeasurementRecorded,
        ev.MetricPhaseChanged,
    ),
    _phase: (ev.RolloutPhaseChanged,),
    _clock: (ev.ObservationClockSkewed,),
    _judgment: (ev.JudgmentRecorded,),
    _pause_limit: (ev.PauseLimitExceeded,),
}
FAMILIES[lambda event, rollout: restart_text(event)] = RESTART_EVENTS
FAMILIES[lambda event, rollout: deletion_text(event)] = DELETION_EVENTS
FORMATTERS: dict[type[Event], Formatter] = {
    cls: formatter for formatter, classes in FAMILIES.items() for cls in classes
}


def summarize(event: Event, rollout: str) -> str:
    if isinstance(event, Unreadable):
        return event.describe()
    formatter = FORMATTERS.get(type(event))
    if formatter is None:
        fields = event.model_dump(mode="json", exclude={"cause", "at"})
        return " ".join(f"{key}={value}" for key, value in fields.items())
    return formatter(event, rollout)
