"""Why a decision was taken: the input behind it, in words a post-incident review can use.

Every event names its input (`cause`). When the input is still in the ROLLOUT_INPUTS stream
(kept a week) it is read from there: its type, its actor, when it was published. Older inputs
are inferred from the events themselves, which echo what was observed: `CommandAccepted`
names the command and the actor, `ReplicaSetStatusObserved` the counts a ReplicaSet reported,
`TrafficWeightApplied` the router's report, `MeasurementRecorded` a metric's value; timer ticks
have input ids starting `tick:`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

import events.inputs as inp
import events.models as ev
from adapters.history.decisions import Decision
from events.base import Command, Event, Input

CauseKind = Literal["command", "replicaset", "router", "analysis", "timer", "unknown"]
TICK_PREFIX = "tick:"


@dataclass(frozen=True, slots=True)
class RecordedInput:
    """An input as found in the ROLLOUT_INPUTS stream."""

    input: Input
    published_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Cause:
    input_id: str
    kind: CauseKind
    summary: str
    actor: str = ""
    input_type: str = ""
    published_at: datetime | None = None
    from_inputs_stream: bool = False

    def label(self) -> str:
        """One line: who or what, then what."""
        who = {
            "command": f"user {self.actor}" if self.actor else "user",
            "replicaset": "observation",
            "router": "observation",
            "analysis": "analysis",
            "timer": "timer",
            "unknown": "controller",
        }[self.kind]
        return f"{who}: {self.summary}"


def _words(command: str, arguments: dict[str, Any]) -> str:
    rendered = " ".join(f"{key}={value}" for key, value in arguments.items())
    return f"{command} {rendered}".strip()


def _command_words(item: Command) -> str:
    if isinstance(item, inp.SetImage):
        return f"set image {item.container}={item.image}"
    if isinstance(item, inp.Promote):
        return "promote --full" if item.full else "promote"
    if isinstance(item, inp.Undo):
        return "undo" if item.to_revision is None else f"undo --to-revision {item.to_revision}"
    if isinstance(item, inp.ApplySpec):
        return "apply"
    return type(item).__name__.lower()


def _rs_counts(pod_hash: str, replicas: int, ready: int, available: int) -> str:
    return (
        f"ReplicaSet {pod_hash} reported {replicas} replicas, {ready} ready, {available} available"
    )


def _router(weight: int, verified: bool | None) -> str:
    checked = {True: ", verified", False: ", not verified", None: ""}[verified]
    return f"router reported canary weight {weight}{checked}"


def _measurement(run: str, metric: str, index: int, outcome: str) -> str:
    return f"measurement #{index + 1} of {metric} ({run}): {outcome}"


def _from_observation(item: Input) -> tuple[CauseKind, str] | None:
    if isinstance(item, inp.ReplicaSetObserved):
        counts = (item.replicas, item.ready_replicas, item.available_replicas)
        return "replicaset", _rs_counts(item.pod_template_hash, *counts)
    if isinstance(item, inp.TrafficWeightObserved):
        return "router", _router(item.canary_weight, item.verified)
    if isinstance(item, inp.MeasurementTaken):
        outcome = f"error {item.error}" if item.error else f"value {item.value!r}"
        return "analysis", _measurement(item.run_name, item.metric, item.index, outcome)
    if isinstance(item, inp.AnalysisRunObserved):
        note = f": {item.message}" if item.message else ""
        return "analysis", f"analysis run {item.run_name} reported {item.phase.value}{note}"
    if isinstance(item, inp.AnalysisRunResolved):
        if item.error:
            return "analysis", f"analysis run {item.run_name} could not start: {item.error}"
        return "analysis", f"analysis run {item.run_name} resolved"
    if isinstance(item, inp.Tick):
        return "timer", "timer fired"
    return None


def from_input(recorded: RecordedInput) -> Cause:
    item = recorded.input
    kind: CauseKind
    if isinstance(item, Command):
        kind, summary = "command", _command_words(item)
    else:
        kind, summary = _from_observation(item) or ("unknown", type(item).__name__)
    return Cause(
        input_id=item.input_id,
        kind=kind,
        summary=summary,
        actor=item.actor,
        input_type=type(item).__name__,
        published_at=recorded.published_at,
        from_inputs_stream=True,
    )


def _echo(event: Event) -> tuple[CauseKind, str] | None:
    """What an event says about the observation behind its decision, if it echoes one."""
    if isinstance(event, ev.ReplicaSetStatusObserved):
        counts = (event.replicas, event.ready_replicas, event.available_replicas)
        return "replicaset", _rs_counts(event.pod_template_hash, *counts)
    if isinstance(event, ev.TrafficWeightApplied):
        return "router", _router(event.canary_weight, event.verified)
    if isinstance(event, ev.MeasurementRecorded):
        outcome = f"value {event.value or '(none)'} -> {event.phase.value}"
        return "analysis", _measurement(event.run_name, event.metric, event.index, outcome)
    if isinstance(event, ev.AnalysisRunStarted):
        return "analysis", f"analysis run {event.run_name} resolved"
    if isinstance(event, ev.AnalysisRunStatusChanged):
        return "analysis", f"analysis run {event.run_name} reported {event.phase.value}"
    return None


def inferred(decision: Decision) -> Cause:
    """The cause as far as the events tell, for an input no longer in the inputs stream."""
    for stored in decision.events:
        if isinstance(stored.event, ev.CommandAccepted):
            accepted = stored.event
            words = _words(accepted.command, accepted.arguments)
            return Cause(decision.cause, "command", words, actor=accepted.actor)
    if decision.cause.startswith(TICK_PREFIX):
        return Cause(decision.cause, "timer", "timer fired")
    for stored in decision.events:
        echoed = _echo(stored.event)
        if echoed is not None:
            return Cause(decision.cause, echoed[0], echoed[1])
    return Cause(decision.cause, "unknown", f"input {decision.cause}")


def explain(decision: Decision, recorded: RecordedInput | None) -> Cause:
    """The recorded input when there is one (the actor comes from `CommandAccepted` if the
    input carried none), else what the events tell."""
    guess = inferred(decision)
    if recorded is None or recorded.input.input_id != decision.cause:
        return guess
    cause = from_input(recorded)
    if not cause.actor and guess.actor:
        return replace(cause, actor=guess.actor)
    return cause
