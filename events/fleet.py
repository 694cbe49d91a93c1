"""The history of a fleet rollout, and the inputs its coordinator decides on.

A fleet's events live on the hub, in their own stream (`fleet.log.<fleet>.<Type>`), written by
the fleet coordinator alone, exactly as a rollout's events are written by its controller alone.
Events ending in `Requested` are intents: the coordinator carries them out by sending each
cluster the same inputs `rollouts apply` and `rollouts abort` send there. Importing this module
registers the types with the codec.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from events.base import Command, Event, Observation, register_event, register_input
from events.phases import AnalysisPhase, RolloutPhase

FleetPhase = Literal["Pending", "Progressing", "Paused", "Degraded", "Healthy"]


# Events ------------------------------------------------------------------------------------


@register_event
class FleetSpecApplied(Event):
    """A new fleet revision: `manifest` is the whole FleetRollout; `template_hash` the pod
    template hash every cluster reports once it runs this revision."""

    manifest: dict[str, Any]
    revision: int
    template_hash: str


@register_event
class FleetWaveStarted(Event):
    wave: int
    revision: int
    clusters: list[str]


@register_event
class FleetClusterUpdateRequested(Event):
    """Intent: send `cluster` the Rollout manifest of this revision (an ApplySpec input with id
    `input_id`, so a resend is recognised as the same input)."""

    cluster: str
    revision: int
    manifest: dict[str, Any]
    input_id: str


@register_event
class FleetWaveCompleted(Event):
    """Every cluster of the wave is Healthy on the revision; the bake time runs from `at`."""

    wave: int
    revision: int


@register_event
class FleetGateReached(Event):
    wave: int


@register_event
class FleetGatePassed(Event):
    wave: int
    actor: str = ""


@register_event
class FleetClusterObserved(Event):
    """What the coordinator last saw of a cluster's rollout (recorded when it changes)."""

    cluster: str
    phase: RolloutPhase | None
    pod_hash: str
    stable_hash: str
    canary_weight: int | None
    step_index: int | None
    aborted: bool
    analysis: AnalysisPhase | None
    failed_metric: str = ""
    failed_value: str = ""
    score: float | None = None


@register_event
class FleetHealthScored(Event):
    """The fleet health score of a revision (0..1) and each scored cluster's part of it."""

    revision: int
    score: float
    clusters: dict[str, float]
    weights: dict[str, float]


@register_event
class FleetAbortRequested(Event):
    """Intent: abort the rollout in every cluster of `clusters` (those still moving to the
    revision); the clusters of `rollbacks`, already Healthy on it, each get a
    `FleetClusterRollbackRequested`. `cluster`, `metric` and `value` say what caused it
    (`reason` is `Degraded`, `AnalysisFailed`, `ScoreBelowThreshold` or `Manual`)."""

    revision: int
    reason: str
    cluster: str
    metric: str
    value: str
    clusters: list[str]
    input_id: str
    rollbacks: list[str] = []


@register_event
class FleetClusterRollbackRequested(Event):
    """Intent: send `cluster`, already Healthy on the aborted revision, the manifest of the
    fleet's last completed revision `revision` (an ApplySpec input, as `rollouts apply` sends),
    so no cluster keeps the aborted revision."""

    cluster: str
    revision: int
    manifest: dict[str, Any]
    input_id: str


@register_event
class FleetAbortAcknowledged(Event):
    """The cluster's rollout was seen aborted (or never got the revision): abort no longer
    pending there."""

    cluster: str
    revision: int


@register_event
class FleetCompleted(Event):
    revision: int


@register_event
class FleetPhaseChanged(Event):
    previous: FleetPhase | None
    phase: FleetPhase
    trigger: str
    message: str = ""


# Inputs ------------------------------------------------------------------------------------


@register_input
class ApplyFleet(Command):
    manifest: dict[str, Any]


@register_input
class PromoteFleet(Command):
    """Open the manual gate the fleet is paused at."""


@register_input
class AbortFleet(Command):
    reason: str = ""


@register_input
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


@register_input
class FleetTick(Observation):
    """Time passed (bake times end on ticks)."""
