"""One line per event for the audit, and which events are transitions worth a reviewer's time.

Intents carried out by workers and their echoes (scale requests, ReplicaSet counts, router
reports, scale-down deadlines) are mechanics: the audit names them as the cause of the next
decision instead of listing them, unless asked for everything. A type this reader does not
know (written by a newer version) is always shown, with its raw fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import events.models as ev
from adapters.history.deletion_text import DELETION_EVENTS, deletion_text
from adapters.history.restart_text import RESTART_EVENTS, restart_text
from events.base import Event
from events.quarantine import Unreadable

ARROW = "->"
MECHANICS = frozenset(
    {
        "CommandAccepted",
        "ReplicaSetScaleRequested",
        "ReplicaSetStatusObserved",
        "ScaleDownDeadlineSet",
        "ScaleDownDeadlineRemoved",
        "ReplicaSetDeletionRequested",
        "TrafficWeightApplied",
        "ManagedRoutesRemoved",
        "MeasurementDue",
        "RestartPodsCheckRequested",
        "PodEvictionRequested",
    }
)
"""Event types left out of the timeline unless every event is asked for."""


def images(template: dict[str, Any]) -> str:
    containers = template.get("spec", {}).get("containers", [])
    return ", ".join(str(c.get("image", "?")) for c in containers if isinstance(c, dict))


def _note(text: str) -> str:
    return f": {text}" if text else ""


def _phase(e: ev.RolloutPhaseChanged) -> str:
    before = e.from_phase.value if e.from_phase else "(new)"
    return f"phase {before} {ARROW} {e.to_phase.value} ({e.trigger}){_note(e.message)}"


def _measurement(e: ev.MeasurementRecorded) -> str:
    dry = " [dry run]" if e.dry_run else ""
    value = e.value or "(no value)"
    return (
        f"measurement #{e.index + 1} of {e.metric} ({e.run_name}): {value} {ARROW} "
        f"{e.phase.value}{_note(e.message)}{dry}"
    )


def _spec_applied(e: ev.SpecApplied) -> str:
    template = e.manifest.get("spec", {}).get("template", {})
    return f"spec generation {e.generation} applied ({images(template)})"


def _step(e: ev.RolloutStepCompleted) -> str:
    return f"step {e.step_index + 1}/{e.step_count} completed ({e.step})"


def _reset(e: ev.UpdateReset) -> str:
    where = "(no steps)" if e.step_index is None else f"at step {e.step_index + 1}"
    return f"update restarted {where}{_note(e.reason)}"


def _traffic(e: ev.TrafficWeightRequested) -> str:
    return f"traffic: canary {e.canary_weight}%, stable {e.stable_weight}%"


def _run_status(e: ev.AnalysisRunStatusChanged) -> str:
    change = f"{e.previous_phase.value} {ARROW} {e.phase.value}"
    return f"{e.kind.value} analysis {e.run_name}: {change}{_note(e.message)}"


def _metric(e: ev.MetricPhaseChanged) -> str:
    change = f"{e.previous_phase.value} {ARROW} {e.phase.value}"
    return f"metric {e.metric} ({e.run_name}): {change}{_note(e.message)}"


def _run_started(e: ev.AnalysisRunStarted) -> str:
    names = ", ".join(str(metric.get("name", "?")) for metric in e.metrics)
    return f"analysis run {e.run_name} started (metrics: {names or 'none'})"


def _route(e: ev.ManagedRouteSet) -> str:
    return f"{e.kind} route {e.name!r} {'set' if e.route is not None else 'removed'}"


FORMATS: dict[type[Any], Callable[[Any], str]] = {
    ev.SpecApplied: _spec_applied,
    ev.RevisionCreated: lambda e: (
        f"revision {e.revision} created ({images(e.template)}, {e.pod_template_hash})"
    ),
    ev.RevisionReused: lambda e: f"revision {e.revision} reuses ReplicaSet {e.pod_template_hash}",
    ev.UpdateReset: _reset,
    ev.StepsSkipped: lambda e: f"skipped to step {e.step_index + 1}{_note(e.reason)}",
    ev.StepsRewound: lambda e: f"rewound to step {e.step_index + 1}{_note(e.reason)}",
    ev.RolloutStepCompleted: _step,
    ev.PauseConditionAdded: lambda e: f"paused ({e.reason.value})",
    ev.PauseConditionRemoved: lambda e: f"pause lifted ({e.reason.value})",
    ev.PauseConditionsCleared: lambda e: f"all pauses lifted{_note(e.reason)}",
    ev.ManualPauseChanged: lambda e: "paused by user" if e.paused else "user pause lifted",
    ev.RolloutAborted: lambda e: f"ABORTED revision {e.revision}{_note(e.message)}",
    ev.AbortCleared: lambda e: f"abort cleared{_note(e.reason)}",
    ev.FullPromotionRequested: lambda e: "full promotion requested",
    ev.RolloutCompleted: lambda e: (
        f"revision {e.revision} is stable ({e.stable_hash}){_note(e.reason)}"
    ),
    ev.ProgressDeadlineExceeded: lambda e: f"progress deadline exceeded{_note(e.message)}",
    ev.PauseLimitExceeded: lambda e: f"pause limit exceeded{_note(e.message)}",
    ev.ScaleUpPreviewCheckpointPassed: lambda e: "preview may scale to full size",
    ev.TrafficWeightRequested: _traffic,
    ev.ServiceSelectorSwitched: lambda e: (
        f"service {e.service} ({e.role}) selects {e.pod_template_hash}"
    ),
    ev.ManagedRouteSet: _route,
    ev.AnalysisRunRequested: lambda e: (
        f"{e.kind.value} analysis {e.run_name} requested for revision {e.revision}"
    ),
    ev.AnalysisRunStarted: _run_started,
    ev.MeasurementRecorded: _measurement,
    ev.MetricPhaseChanged: _metric,
    ev.AnalysisRunStatusChanged: _run_status,
    ev.AnalysisRunTerminationRequested: lambda e: (
        f"analysis run {e.run_name} terminated{_note(e.reason)}"
    ),
    ev.RolloutPhaseChanged: _phase,
    ev.JudgmentRecorded: lambda e: (
        f"judgment #{e.index + 1} of {e.run_name}: {e.judgment.summary()}"
    ),
}
FORMATS.update(dict.fromkeys(RESTART_EVENTS, restart_text))
FORMATS.update(dict.fromkeys(DELETION_EVENTS, deletion_text))


def describe(event: Event) -> str:
    if isinstance(event, Unreadable):
        return event.describe()
    formatter = FORMATS.get(type(event))
    if formatter is not None:
        return formatter(event)
    fields = event.model_dump(mode="json", exclude={"cause", "at"})
    rendered = " ".join(f"{key}={value}" for key, value in fields.items())
    return f"{event.type_name()} {rendered}".strip()


def is_transition(event: Event) -> bool:
    return event.type_name() not in MECHANICS
