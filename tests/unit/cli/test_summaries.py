"""Every event type has a one-line summary that names what changed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

import events.models as ev
from adapters.cli.summaries import FORMATTERS, summarize
from events.base import EVENT_TYPES, Event
from events.phases import AnalysisPhase, AnalysisRunKind, PauseReason, RolloutPhase
from events.pod_failures import PodFailure
from tests.support.sim import T0, rollout_manifest
from tests.unit.judge.samples import sample_judgment

BASE: dict[str, Any] = {"cause": "in-1", "at": T0}
TEMPLATE = {"spec": {"containers": [{"name": "app", "image": "nginx:2"}]}}

# (event, the exact summary for a rollout named "demo")
SAMPLES: list[tuple[Event, str]] = [
    (
        ev.SpecApplied(manifest=rollout_manifest(image="nginx:3"), generation=3, **BASE),
        "spec generation 3 applied (nginx:3)",
    ),
    (
        ev.CommandAccepted(command="promote", arguments={"full": True}, actor="ann", **BASE),
        "command promote full=True accepted by ann",
    ),
    (ev.CommandAccepted(command="abort", **BASE), "command abort accepted"),
    (
        ev.RevisionCreated(revision=2, pod_template_hash="7f9c", template=TEMPLATE, **BASE),
        "revision 2 created: demo-7f9c (nginx:2)",
    ),
    (
        ev.RevisionReused(
            revision=3, pod_template_hash="5d8f", within_scale_down_delay=True, **BASE
        ),
        "revision 3 reuses demo-5d8f (within scale-down delay)",
    ),
    (
        ev.UpdateReset(step_index=0, step_hash="h", reason="updated to revision 2", **BASE),
        "update reset to step 1: updated to revision 2",
    ),
    (ev.StepsSkipped(step_index=2, reason="promoted", **BASE), "skipped to step 3: promoted"),
    (ev.StepsRewound(step_index=0, reason="aborted", **BASE), "rewound to step 1: aborted"),
    (
        ev.RolloutStepCompleted(step_index=0, step_count=4, step="setWeight: 20", **BASE),
        "step 1/4 completed (setWeight: 20)",
    ),
    (
        ev.PauseConditionAdded(reason=PauseReason.CANARY_PAUSE_STEP, **BASE),
        "paused: CanaryPauseStep",
    ),
    (
        ev.PauseConditionRemoved(reason=PauseReason.BLUE_GREEN_PAUSE, **BASE),
        "pause lifted: BlueGreenPause",
    ),
    (ev.PauseConditionsCleared(reason="promoted", **BASE), "all pauses lifted: promoted"),
    (ev.ManualPauseChanged(paused=True, **BASE), "paused by user"),
    (ev.ManualPauseChanged(paused=False, **BASE), "user pause lifted"),
    (
        ev.RolloutAborted(revision=2, message="Rollout aborted update to revision 2", **BASE),
        "aborted revision 2: Rollout aborted update to revision 2",
    ),
    (ev.AbortCleared(reason="retry", **BASE), "abort cleared: retry"),
    (ev.FullPromotionRequested(**BASE), "full promotion requested"),
    (
        ev.RolloutCompleted(stable_hash="7f9c", revision=2, reason="promoted", **BASE),
        "revision 2 is stable: demo-7f9c: promoted",
    ),
    (
        ev.ReplicaSetScaleRequested(
            pod_template_hash="7f9c", revision=2, from_replicas=0, to_replicas=1, **BASE
        ),
        "scaled demo-7f9c (rev 2) 0 → 1",
    ),
    (
        ev.ReplicaSetStatusObserved(
            pod_template_hash="7f9c", replicas=2, ready_replicas=1, available_replicas=1, **BASE
        ),
        "demo-7f9c: 2 replicas, 1 ready, 1 available",
    ),
    (
        ev.ScaleDownDeadlineSet(
            pod_template_hash="5d8f", deadline=T0 + timedelta(seconds=30), **BASE
        ),
        "demo-5d8f scales down at 2026-01-01T00:00:30Z",
    ),
    (
        ev.ScaleDownDeadlineRemoved(pod_template_hash="5d8f", **BASE),
        "demo-5d8f scale-down deadline removed",
    ),
    (
        ev.ReplicaSetDeletionRequested(pod_template_hash="5d8f", revision=1, **BASE),
        "delete demo-5d8f (rev 1)",
    ),
    (
        ev.TrafficWeightRequested(
            canary_weight=20, stable_weight=80, canary_hash="7f9c", stable_hash="5d8f", **BASE
        ),
        "weight 20 → canary 7f9c, 80 → stable 5d8f",
    ),
    (
        ev.TrafficWeightApplied(canary_weight=20, verified=True, **BASE),
        "router holds canary weight 20 (verified)",
    ),
    (ev.TrafficWeightApplied(canary_weight=0, **BASE), "router holds canary weight 0"),
    (
        ev.ManagedRouteSet(name="beta", kind="header", route={"x": 1}, **BASE),
        "header route 'beta' set",
    ),
    (
        ev.ManagedRouteSet(name="shadow", kind="mirror", route=None, **BASE),
        "mirror route 'shadow' removed",
    ),
    (ev.ManagedRoutesRemoved(reason="aborted", **BASE), "managed routes removed: aborted"),
    (
        ev.ServiceSelectorSwitched(
            role="canary", service="demo-canary", pod_template_hash="7f9c", **BASE
        ),
        "service demo-canary (canary) → demo-7f9c",
    ),
    (
        ev.AnalysisRunRequested(
            run_name="demo-7f9c-2-1",
            kind=AnalysisRunKind.STEP,
            step_index=1,
            revision=2,
            pod_template_hash="7f9c",
            stable_pod_template_hash="5d8f",
            analysis={},
            **BASE,
        ),
        "Step analysis demo-7f9c-2-1 started for revision 2",
    ),
    (
        ev.AnalysisRunStatusChanged(
            run_name="demo-7f9c-2-1",
            kind=AnalysisRunKind.BACKGROUND,
            phase=AnalysisPhase.FAILED,
            previous_phase=AnalysisPhase.RUNNING,
            message="error rate 7%",
            **BASE,
        ),
        "Background analysis demo-7f9c-2-1: Running → Failed: error rate 7%",
    ),
    (
        ev.AnalysisRunTerminationRequested(run_name="demo-7f9c-2-1", reason="aborted", **BASE),
        "terminate analysis demo-7f9c-2-1: aborted",
    ),
    (
        ev.TrafficDriftCorrected(
            expected_canary_weight=5, found_canary_weight=50, detail="VirtualService edited", **BASE
        ),
        "router drift corrected: canary weight was 50, restored 5: VirtualService edited",
    ),
    (
        ev.ObservationClockSkewed(
            observation="ReplicaSetObserved",
            field="observed_at",
            reported_at=T0.replace(year=9999),
            tolerance_seconds=30,
            **BASE,
        ),
        "ReplicaSetObserved.observed_at 9999-01-01T00:00:00+00:00 is more than 30s ahead of "
        "the controller's clock; judged at 2026-01-01T00:00:00+00:00",
    ),
    (
        ev.JudgmentRecorded(run_name="demo-7f9c-2-1", index=0, judgment=sample_judgment(), **BASE),
        "judgment #1 of demo-7f9c-2-1: score 0 -> Failed (critical metric 'error-rate' "
        "classified High): error-rate High p=0.000149 ratio=10.5 [critical]; "
        "latency Pass p=1 ratio=1; queue NoData",
    ),
    (
        ev.AnalysisRunStarted(
            run_name="demo-7f9c-2-1", metrics=[{"name": "error-rate"}, {"name": "p99"}], **BASE
        ),
        "analysis demo-7f9c-2-1 running metrics error-rate, p99",
    ),
    (
        ev.MeasurementDue(run_name="demo-7f9c-2-1", metric="error-rate", index=3, **BASE),
        "measure error-rate #3 of demo-7f9c-2-1",
    ),
    (
        ev.MeasurementRecorded(
            run_name="demo-7f9c-2-1",
            metric="error-rate",
            index=3,
            phase=AnalysisPhase.FAILED,
            value="[0.08]",
            message='failureCondition "result[0] >= 0.05" is true',
            **BASE,
        ),
        'error-rate #3: value [0.08] Failed: failureCondition "result[0] >= 0.05" is true',
    ),
    (
        ev.MetricPhaseChanged(
            run_name="demo-7f9c-2-1",
            metric="error-rate",
            phase=AnalysisPhase.FAILED,
            previous_phase=AnalysisPhase.RUNNING,
            message="failed (1) > failureLimit (0)",
            **BASE,
        ),
        "metric error-rate of demo-7f9c-2-1: Running → Failed: failed (1) > failureLimit (0)",
    ),
    (
        ev.ProgressDeadlineExceeded(message="ReplicaSet demo-7f9c has timed out", **BASE),
        "progress deadline exceeded: ReplicaSet demo-7f9c has timed out",
    ),
    (
        ev.PauseLimitExceeded(
            paused_since=T0,
            limit_seconds=600,
            action="abort",
            source="annotation",
            message="paused 10m, longer than the limit of 10m (rollouts.dev/max-pause): aborting",
            **BASE,
        ),
        "pause limit exceeded: paused 10m, longer than the limit of 10m "
        "(rollouts.dev/max-pause): aborting",
    ),
    (
        ev.ScaleUpPreviewCheckpointPassed(**BASE),
        "preview checkpoint passed: the preview scales to full size",
    ),
    (
        ev.RolloutPhaseChanged(
            from_phase=RolloutPhase.PAUSED,
            to_phase=RolloutPhase.DEGRADED,
            trigger="abort",
            reason="RolloutAborted",
            message="RolloutAborted: Rollout aborted update to revision 2",
            **BASE,
        ),
        "phase Paused → Degraded (abort): RolloutAborted: Rollout aborted update to revision 2",
    ),
    (
        ev.RolloutPhaseChanged(
            from_phase=None,
            to_phase=RolloutPhase.PROGRESSING,
            trigger="create",
            reason="ReplicasUpdating",
            message="",
            **BASE,
        ),
        "phase (new) → Progressing (create)",
    ),
    (
        ev.RestartPodsCheckRequested(restart_at=T0, round=2, replica_sets=["h1"], **BASE),
        "restart 2026-01-01T00:00:00Z: pods checked (check 2)",
    ),
    (
        ev.PodEvictionRequested(
            restart_at=T0, round=2, pods=["a", "b"], pods_to_restart=3, pods_total=4, **BASE
        ),
        "restart 2026-01-01T00:00:00Z: evicting a, b (3 of 4 pods still to restart)",
    ),
    (
        ev.PodsEvicted(restart_at=T0, round=2, evicted=["a"], refused=["b"], message="PDB", **BASE),
        "restart 2026-01-01T00:00:00Z: 1 evicted, 1 refused (b): PDB",
    ),
    (
        ev.RolloutRestarted(restart_at=T0, reason="all 4 pods restarted", **BASE),
        "restarted (restartedAt 2026-01-01T00:00:00Z): all 4 pods restarted",
    ),
    (
        ev.RolloutRestarted(restart_at=T0, cancelled=True, reason="revision 3", **BASE),
        "restart 2026-01-01T00:00:00Z cancelled: revision 3",
    ),
    (
        ev.RolloutDeleted(
            reason="RolloutObjectDeleted",
            message="Rollout object default/demo was deleted at revision 3",
            revision=3,
            life=1,
            **BASE,
        ),
        "DELETED (life 1 ended, RolloutObjectDeleted): Rollout object default/demo was deleted "
        "at revision 3",
    ),
    (
        ev.PodFailuresRecorded(
            pod_template_hash="abc",
            failures=[PodFailure(pod="demo-abc-1", container="app", reason="ErrImagePull")],
            **BASE,
        ),
        "pods of abc stuck: pod demo-abc-1: ErrImagePull",
    ),
    (
        ev.PodFailuresRecorded(pod_template_hash="abc", failures=[], **BASE),
        "pods of abc no longer stuck",
    ),
]


def test_every_event_type_has_a_sample_and_a_formatter() -> None:
    assert {type(event).__name__ for event, _ in SAMPLES} == set(EVENT_TYPES)
    assert {cls.__name__ for cls in FORMATTERS} == set(EVENT_TYPES)


@pytest.mark.parametrize(
    ("event", "expected"),
    SAMPLES,
    ids=[f"{type(e).__name__}-{i}" for i, (e, _) in enumerate(SAMPLES)],
)
def test_summary(event: Event, expected: str) -> None:
    assert summarize(event, "demo") == expected


def test_an_unknown_type_falls_back_to_its_fields() -> None:
    class FutureEvent(Event):
        weight: int

    assert summarize(FutureEvent(weight=7, **BASE), "demo") == "weight=7"
