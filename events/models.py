"""The events of a rollout's history, named in the past tense.

Names follow the Kubernetes event reasons Argo Rollouts records (RolloutUpdated,
RolloutStepCompleted, RolloutAborted, ...) wherever one exists, so Argo's notification triggers
map one to one. Events ending in `Requested` are intents: a worker carries them out and reports
back with an observation. Every event is a complete, self-describing fact; a reader needs no
other event to understand one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from events.base import Count, Event, register_event

# Defined beside the judge's values it carries; re-exported so `events.models` lists every event.
from events.deletion import RolloutDeleted as RolloutDeleted  # noqa: PLC0414
from events.judgment import JudgmentRecorded as JudgmentRecorded  # noqa: PLC0414
from events.pause_limit import PauseLimitExceeded as PauseLimitExceeded  # noqa: PLC0414
from events.phases import AnalysisPhase, AnalysisRunKind, PauseReason, RolloutPhase
from events.pod_failures import PodFailuresRecorded as PodFailuresRecorded  # noqa: PLC0414
from events.restart import PodEvictionRequested as PodEvictionRequested  # noqa: PLC0414
from events.restart import PodsEvicted as PodsEvicted  # noqa: PLC0414
from events.restart import RestartPodsCheckRequested as RestartPodsCheckRequested  # noqa: PLC0414
from events.restart import RolloutRestarted as RolloutRestarted  # noqa: PLC0414

ServiceRole = Literal["active", "preview", "canary", "stable"]


@register_event
class SpecApplied(Event):
    """A new desired spec was accepted (apply, set image, undo). `manifest` is the whole
    Rollout object, so the history alone can rebuild the spec at any point."""

    manifest: dict[str, Any]
    generation: Count


@register_event
class CommandAccepted(Event):
    """A person or tool asked for something and the controller accepted it (audit trail)."""

    command: str
    arguments: dict[str, Any] = {}
    actor: str = ""


@register_event
class RevisionCreated(Event):
    """A pod template never seen before became desired: a new ReplicaSet (NewReplicaSetCreated).
    The template is kept so `undo` can return to it."""

    revision: Count
    pod_template_hash: str
    template: dict[str, Any]


@register_event
class RevisionReused(Event):
    """An existing ReplicaSet became desired again (a rollback); it gets a new, higher revision."""

    revision: Count
    pod_template_hash: str
    within_scale_down_delay: bool = False


@register_event
class UpdateReset(Event):
    """The in-flight update restarted because the template or the steps changed: pauses, abort,
    full-promotion request and analysis statuses are cleared, the step pointer is set."""

    step_index: Count | None
    step_hash: str
    reason: str


@register_event
class StepsSkipped(Event):
    """Steps were skipped (Argo's SkipSteps): rollback to stable, rollback window, promote."""

    step_index: Count
    reason: str


@register_event
class StepsRewound(Event):
    """The step pointer went back (an abort returns it to step 0, or to the end when the
    desired ReplicaSet is the stable one)."""

    step_index: Count
    reason: str


@register_event
class RolloutStepCompleted(Event):
    step_index: Count
    step_count: Count
    step: str


@register_event
class PauseConditionAdded(Event):
    """The controller paused the rollout (RolloutPaused); the pause started at `at`."""

    reason: PauseReason


@register_event
class PauseConditionRemoved(Event):
    reason: PauseReason


@register_event
class PauseConditionsCleared(Event):
    """Every controller pause was lifted at once (promote, abort, reset)."""

    reason: str


@register_event
class ManualPauseChanged(Event):
    """The user's own pause (`spec.paused`), distinct from controller pauses."""

    paused: bool


@register_event
class RolloutAborted(Event):
    revision: Count
    message: str


@register_event
class AbortCleared(Event):
    """The abort flag was removed: by retry, full promotion, or a rollback."""

    reason: str


@register_event
class FullPromotionRequested(Event):
    pass


@register_event
class RolloutCompleted(Event):
    """The desired ReplicaSet became stable (Argo's RolloutCompleted, i.e. promotion)."""

    stable_hash: str
    revision: Count
    reason: str


@register_event
class ReplicaSetScaleRequested(Event):
    """Intent for the scaler (Argo's ScalingReplicaSet)."""

    pod_template_hash: str
    revision: Count
    from_replicas: Count
    to_replicas: Count


@register_event
class ReplicaSetStatusObserved(Event):
    pod_template_hash: str
    replicas: Count
    ready_replicas: Count
    available_replicas: Count
    observed_at: datetime | None = None


@register_event
class ScaleDownDeadlineSet(Event):
    pod_template_hash: str
    deadline: datetime


@register_event
class ScaleDownDeadlineRemoved(Event):
    pod_template_hash: str


@register_event
class ReplicaSetDeletionRequested(Event):
    """An old, scaled-down ReplicaSet fell outside revisionHistoryLimit."""

    pod_template_hash: str
    revision: Count


@register_event
class TrafficWeightRequested(Event):
    """Intent for the traffic router (Argo's TrafficWeightUpdated)."""

    canary_weight: Count
    stable_weight: Count
    canary_hash: str
    stable_hash: str


@register_event
class TrafficWeightApplied(Event):
    """The router reported the weight it holds; `verified` is None when it cannot check."""

    canary_weight: Count
    verified: bool | None = None


@register_event
class TrafficDriftCorrected(Event):
    """Someone else changed the router (a hand-edited VirtualService, say); the traffic worker
    found the drift, put the weights back and reported it."""

    expected_canary_weight: Count
    found_canary_weight: Count | None
    detail: str


@register_event
class ManagedRouteSet(Event):
    """Header or mirror route from a setHeaderRoute/setMirrorRoute step; `route` None removes it."""

    name: str
    kind: Literal["header", "mirror"]
    route: dict[str, Any] | None


@register_event
class ManagedRoutesRemoved(Event):
    reason: str


@register_event
class ServiceSelectorSwitched(Event):
    """Intent and record: a Service now selects the pods of `pod_template_hash` (SwitchService)."""

    role: ServiceRole
    service: str
    pod_template_hash: str


@register_event
class AnalysisRunRequested(Event):
    """Intent for the analysis worker: start a run of the given RolloutAnalysis."""

    run_name: str
    kind: AnalysisRunKind
    step_index: Count | None
    revision: Count
    pod_template_hash: str
    stable_pod_template_hash: str
    analysis: dict[str, Any]


@register_event
class AnalysisRunStarted(Event):
    """The run's templates were found, merged and its arguments resolved: its frozen spec.

    `metrics` are Argo Metric objects (camelCase, as in YAML) with every non-secret argument
    substituted; a secret argument stays a `{{args.x}}` placeholder and is named in
    `secret_args`, so secret values never enter the stream.
    """

    run_name: str
    metrics: list[dict[str, Any]]
    args: dict[str, str] = {}
    secret_args: dict[str, dict[str, str]] = {}
    dry_run_metrics: list[str] = []
    measurement_retention: dict[str, int] = {}


@register_event
class MeasurementDue(Event):
    """Intent for the analysis worker: take measurement number `index` of one metric."""

    run_name: str
    metric: str
    index: Count


@register_event
class MeasurementRecorded(Event):
    """One measurement and its verdict: the value, the phase Argo's rules give it and why."""

    run_name: str
    metric: str
    index: Count
    phase: AnalysisPhase
    value: str = ""
    message: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    dry_run: bool = False


@register_event
class MetricPhaseChanged(Event):
    run_name: str
    metric: str
    phase: AnalysisPhase
    previous_phase: AnalysisPhase
    message: str = ""


@register_event
class AnalysisRunStatusChanged(Event):
    """A run changed phase (Argo's AnalysisRun<Phase> events)."""

    run_name: str
    kind: AnalysisRunKind
    phase: AnalysisPhase
    previous_phase: AnalysisPhase
    message: str = ""


@register_event
class AnalysisRunTerminationRequested(Event):
    run_name: str
    reason: str


@register_event
class ProgressDeadlineExceeded(Event):
    message: str


@register_event
class ScaleUpPreviewCheckpointPassed(Event):
    """Blue-green previewReplicaCount: the preview stack may now grow to full size."""


@register_event
class RolloutPhaseChanged(Event):
    """Every phase change, with the FSM trigger that allowed it and a human message."""

    from_phase: RolloutPhase | None
    to_phase: RolloutPhase
    trigger: str
    reason: str
    message: str


@register_event
class ObservationClockSkewed(Event):
    """An observation carried a time (`field` of input `observation`) further in the future
    than the controller's clock allows: it was judged at the controller's time `at` instead.
    Recorded so that a platform or worker with a skewed clock is visible in the history."""

    observation: str
    field: str
    reported_at: datetime
    tolerance_seconds: Count
