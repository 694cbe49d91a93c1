"""Inputs: what the controller decides on. Commands are imperative, observations past tense.

Inputs are part of the published contract too: the CLI, the Kubernetes watcher and every worker
publish them, and so may any other tool (a chat-ops bot issuing `Promote`, say).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field

from events.base import Command, Observation, register_input

# Defined beside their events (deletion, pod failures); re-exported so `events.inputs` lists
# every input.
from events.deletion import DeleteRollout as DeleteRollout  # noqa: PLC0414
from events.pause_limit import PauseLimit
from events.phases import AnalysisPhase
from events.pod_failures import PodFailuresObserved as PodFailuresObserved  # noqa: PLC0414

# Defined beside the restart's events; re-exported so `events.inputs` lists every input.
from events.restart import PodEvictionsObserved as PodEvictionsObserved  # noqa: PLC0414
from events.restart import Restart as Restart  # noqa: PLC0414
from events.restart import RestartPodsObserved as RestartPodsObserved  # noqa: PLC0414


@register_input
class ApplySpec(Command):
    """Create or update a rollout from a whole Rollout manifest."""

    manifest: dict[str, Any]


@register_input
class Promote(Command):
    full: bool = False


@register_input
class Abort(Command):
    pass


@register_input
class Retry(Command):
    pass


@register_input
class Pause(Command):
    pass


@register_input
class Resume(Command):
    pass


@register_input
class SetImage(Command):
    """`container` may be `*` for every container, as in `kubectl argo rollouts set image`."""

    container: str
    image: str


@register_input
class Undo(Command):
    to_revision: int | None = None


@register_input
class ReplicaSetObserved(Observation):
    pod_template_hash: str
    replicas: int = Field(ge=0)
    ready_replicas: int = Field(ge=0)
    available_replicas: int = Field(ge=0)
    observed_at: datetime | None = None
    """When the platform saw these counts; a report older than the last one is dropped."""


@register_input
class TrafficWeightObserved(Observation):
    canary_weight: int = Field(ge=0)
    verified: bool | None = None


@register_input
class TrafficDriftObserved(Observation):
    """The router held other weights than requested and the traffic worker corrected them."""

    expected_canary_weight: int = Field(ge=0)
    found_canary_weight: int | None = None
    detail: str = ""


@register_input
class AnalysisRunObserved(Observation):
    run_name: str
    phase: AnalysisPhase
    message: str = ""


@register_input
class AnalysisRunResolved(Observation):
    """The analysis worker found and merged the run's templates (or says why it could not:
    `error` set makes the run Error, as Argo does for a missing template or argument)."""

    run_name: str
    metrics: list[dict[str, Any]] = []
    args: dict[str, str] = {}
    secret_args: dict[str, dict[str, str]] = {}
    dry_run_metrics: list[str] = []
    measurement_retention: dict[str, int] = {}
    error: str | None = None


@register_input
class MeasurementTaken(Observation):
    """A raw measurement from a metric provider: a value or an error, never a verdict."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", ser_json_inf_nan="constants", defer_build=True
    )

    run_name: str
    metric: str
    index: int
    value: Any = None
    error: str | None = None
    started_at: datetime
    finished_at: datetime
    metadata: dict[str, str] = {}


@register_input
class Tick(Observation):
    """A timer fired: re-evaluate time-based rules (pauses, delays, deadlines) at `now`.

    `pause_limit` is the timer's controller-wide maximum pause (None: no default), which a
    Rollout's own annotation overrides. Optional, so a tick written before it still decodes."""

    pause_limit: PauseLimit | None = None
