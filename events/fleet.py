"""The history of a fleet rollout, and the inputs its coordinator decides on.

A fleet's events live on the hub, in their own stream (`fleet.log.<fleet>.<Type>`), written by
the fleet coordinator alone, exactly as a rollout's events are written by its controller alone.
Events ending in `Requested` are intents: the coordinator carries them out by sending each
cluster the same inputs `rollouts apply` and `rollouts abort` send there. Importing this module
registers the types with the codec.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, TypeVar

from events.base import Command, Count, Event, Input, Observation, register_in
from events.phases import AnalysisPhase, RolloutPhase

FleetPhase = Literal["Pending", "Progressing", "Paused", "Degraded", "Healthy"]


# Events ------------------------------------------------------------------------------------


FLEET_EVENT_TYPES: dict[str, type[Event]] = {}
FLEET_INPUT_TYPES: dict[str, type[Input]] = {}
"""The fleet's own registries: its events live in FLEET_EVENTS on the hub and its commands in
FLEET_INPUTS, so a rollout's readers never meet them, and a process's rollout registries
(`events.base.EVENT_TYPES`) do not change with whether it imported the fleet."""

EventT = TypeVar("EventT", bound=Event)
InputT = TypeVar("InputT", bound=Input)


def fleet_event(cls: type[EventT]) -> type[EventT]:
    register_in(FLEET_EVENT_TYPES, cls)
    return cls


def fleet_input(cls: type[InputT]) -> type[InputT]:
    register_in(FLEET_INPUT_TYPES, cls)
    return cls


@fleet_event
class FleetSpecApplied(Event):
    """A new fleet revision: `manifest` is the whole FleetRollout; `template_hash` the pod
    template hash every cluster reports once it runs this revision."""

    manifest: dict[str, Any]
    revision: Count
    template_hash: str


@fleet_event
class FleetWaveStarted(Event):
    wave: Count
    revision: Count
    clusters: list[str]


@fleet_event
class FleetClusterUpdateRequested(Event):
    """Intent: send `cluster` the Rollout manifest of this revision (an ApplySpec input with id
    `input_id`, so a resend is recognised as the same input)."""

    cluster: str
    revision: Count
    manifest: dict[str, Any]
    input_id: str


@fleet_event
class FleetWaveCompleted(Event):
    """Every cluster of the wave is Healthy on the revision; the bake time runs from `at`."""

    wave: Count
    revision: Count


@fleet_event
class FleetGateReached(Event):
    wave: Count


@fleet_event
class FleetGatePassed(Event):
    wave: Count
    actor: str = ""


@fleet_event
class FleetClusterObserved(Event):
    """What the coordinator last saw of a cluster's rollout (recorded when it changes)."""

    cluster: str
    phase: RolloutPhase | None
    pod_hash: str
    stable_hash: str
    canary_weight: Count | None
    step_index: Count | None
    aborted: bool
    analysis: AnalysisPhase | None
    failed_metric: str = ""
    failed_value: str = ""
    score: float | None = None


@fleet_event
class FleetHealthScored(Event):
    """The fleet health score of a revision (0..1) and each scored cluster's part of it."""

    revision: Count
    score: float
    clusters: dict[str, float]
    weights: dict[str, float]


@fleet_event
class FleetAbortRequested(Event):
    """Intent: abort the rollout in every cluster of `clusters` (those still moving to the
    revision); the clusters of `rollbacks`, already Healthy on it, each get a
    `FleetClusterRollbackRequested`. `cluster`, `metric` and `value` say what caused it
    (`reason` is `Degraded`, `AnalysisFailed`, `ScoreBelowThreshold` or `Manual`)."""

    revision: Count
    reason: str
    cluster: str
    metric: str
    value: str
    clusters: list[str]
    input_id: str
    rollbacks: list[str] = []


@fleet_event
class FleetClusterRollbackRequested(Event):
    """Intent: send `cluster`, already Healthy on the aborted revision, the manifest of the
    fleet's last completed revision `revision` (an ApplySpec input, as `rollouts apply` sends),
    so no cluster keeps the aborted revision."""

    cluster: str
    revision: Count
    manifest: dict[str, Any]
    input_id: str


@fleet_event
class FleetAbortAcknowledged(Event):
    """The cluster's rollout was seen aborted (or never got the revision): abort no longer
    pending there."""

    cluster: str
    revision: Count


@fleet_event
class FleetCompleted(Event):
    revision: Count


@fleet_event
class FleetPhaseChanged(Event):
    previous: FleetPhase | None
    phase: FleetPhase
    trigger: str
    message: str = ""


# Inputs ------------------------------------------------------------------------------------


@fleet_input
class ApplyFleet(Command):
    manifest: dict[str, Any]


@fleet_input
class PromoteFleet(Command):
    """Open the manual gate the fleet is paused at."""


@fleet_input
class AbortFleet(Command):
    reason: str = ""


@fleet_input
class ClusterObserved(Observation):
    """A cluster's rollout as the coordinator reads it from the cluster's sourced history."""

    cluster: str
    phase: RolloutPhase | None = None
    pod_hash: str = ""
    stable_hash: str = ""
    canary_weight: int | None = None
    step_index: int | None = None
    aborted: bool = False
    analysis: AnalysisPhase | None = None
    failed_metric: str = ""
    failed_value: str = ""
    score: float | None = None
    observed_at: datetime | None = None


@fleet_input
class FleetTick(Observation):
    """Time passed (bake times end on ticks)."""
