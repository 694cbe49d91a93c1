"""The audit timeline on simulated histories: causes, revisions, outcomes, steps, pauses."""

from __future__ import annotations

from datetime import timedelta

import pytest

import events.models as ev
from adapters.history.describe import describe, is_transition
from adapters.history.timeline import Audit, Entry, build_audit
from events.base import Event
from events.phases import AnalysisPhase, AnalysisRunKind
from tests.support.sim import T0
from tests.unit.history.histories import (
    RecordingSim,
    blue_green,
    canary_abort_retry_promote,
    moment,
    store_decisions,
)


@pytest.fixture(scope="module")
def canary() -> RecordingSim:
    return canary_abort_retry_promote()


def audit_of(sim: RecordingSim, **options: object) -> Audit:
    return build_audit(sim.stored(), now=sim.now, inputs=sim.inputs, **options)  # type: ignore[arg-type]


def entries(audit: Audit) -> list[Entry]:
    return [entry for revision in audit.revisions for entry in revision.entries]


def texts(entry: Entry) -> list[str]:
    return [change.text for change in entry.changes]


def test_revisions_and_their_outcomes(canary: RecordingSim) -> None:
    audit = audit_of(canary)
    summary = [
        (r.record.revision, r.record.images, r.record.outcome, r.record.superseded_by)
        for r in audit.revisions
    ]
    assert summary == [
        (1, "nginx:1.19", "completed", 2),
        (2, "app:2", "completed", 3),
        (3, "app:3", "superseded", 4),
        (4, "app:2", "completed", None),
    ]
    second, third, fourth = (r.record for r in audit.revisions[1:])
    assert [a.at for a in second.aborts] == [moment(canary, 1, 0, 30)]
    assert second.lead_seconds == 11 * 60  # 01:00 update -> 01:11 stable and Healthy
    assert third.rolled_back and not second.rolled_back
    assert fourth.rollback and fourth.pod_template_hash == second.pod_template_hash


def test_steps_are_timed_from_the_last_restart(canary: RecordingSim) -> None:
    steps = audit_of(canary).revisions[1].record.steps
    timings = [(s.index, s.step, s.seconds) for s in steps]
    # step 1 ran twice (before the abort and after the retry); the indefinite pause lasted
    # until bob's promote five minutes after the retry; the timed pause exactly its minute.
    assert timings == [
        (0, "setWeight: 20", 0.0),
        (0, "setWeight: 20", 0.0),
        (1, "pause", 300.0),
        (2, "setWeight: 50", 0.0),
        (3, "pause: 1m", 60.0),
    ]
    assert steps[1].started_at == moment(canary, 1, 5)  # the retry restarted the clock


def test_paused_time_per_revision(canary: RecordingSim) -> None:
    paused = [r.paused_seconds for r in audit_of(canary).revisions]
    # rev 2: 30 s before the abort, 5 min before bob's promote, 1 min timed pause;
    # rev 3: paused at step 1 from 02:00 until carol's undo at 02:30.
    assert paused == [0.0, 390.0, 1800.0, 0.0]


def test_every_cause_is_named(canary: RecordingSim) -> None:
    audit = audit_of(canary)
    labels = [entry.cause.label() for entry in entries(audit)]
    assert "user alice: abort" in labels and "user alice: retry" in labels
    assert "user bob: promote" in labels and "user carol: undo" in labels
    assert "timer: timer fired" in labels
    assert "observation: router reported canary weight 20" in labels
    assert any(label.startswith("observation: ReplicaSet ") for label in labels)
    abort = next(e for e in entries(audit) if e.cause.summary == "abort")
    assert abort.cause.input_type == "Abort" and abort.cause.from_inputs_stream
    assert abort.at == moment(canary, 1, 0, 30) and abort.revision == 2
    assert "ABORTED revision 2: Rollout aborted update to revision 2" in texts(abort)
    assert (
        "phase Paused -> Degraded (abort): RolloutAborted: Rollout aborted update to revision 2"
        in texts(abort)
    )


def test_without_recorded_inputs_causes_are_inferred(canary: RecordingSim) -> None:
    audit = build_audit(canary.stored(), now=canary.now)
    labels = {entry.cause.label() for entry in entries(audit)}
    assert {"user alice: abort", "user bob: promote", "timer: timer fired"} <= labels
    assert not any(entry.cause.from_inputs_stream for entry in entries(audit))


def test_mechanics_are_left_out_unless_asked(canary: RecordingSim) -> None:
    brief = {c.type for e in entries(audit_of(canary)) for c in e.changes}
    full = {c.type for e in entries(audit_of(canary, everything=True)) for c in e.changes}
    assert "ReplicaSetScaleRequested" not in brief and "ReplicaSetScaleRequested" in full
    assert "RolloutPhaseChanged" in brief and "TrafficWeightRequested" in brief
    every = sum(len(e.changes) for e in entries(audit_of(canary, everything=True)))
    assert every == len(canary.stored())


def test_window_keeps_the_revisions_it_meets(canary: RecordingSim) -> None:
    audit = audit_of(canary, since=moment(canary, 1, 4), until=moment(canary, 1, 30))
    assert [r.record.revision for r in audit.revisions] == [2]
    times = [entry.at for entry in entries(audit)]
    assert times and min(times) >= moment(canary, 1, 4) and max(times) <= moment(canary, 1, 30)
    assert audit.revisions[0].record.aborts  # outcomes still judged on the whole history
    later = canary.now + timedelta(hours=2)
    late = build_audit(canary.stored(), now=later, since=later - timedelta(hours=1))
    assert [r.record.revision for r in late.revisions] == [4]  # still current
    assert entries(late) == []


def test_blue_green_analysis_failure_aborts_the_revision() -> None:
    sim = blue_green()
    audit = audit_of(sim)
    outcomes = [(r.record.revision, r.record.outcome) for r in audit.revisions]
    assert outcomes == [(1, "completed"), (2, "completed"), (3, "aborted")]
    assert audit.revisions[1].paused_seconds == 20 * 60  # waited 20 min for dave's promote
    failed = audit.revisions[2].entries[-1]
    assert failed.cause.kind == "analysis"
    assert failed.cause.summary.endswith("reported Failed: error rate 12% > 5%")
    assert any("Pending -> Failed: error rate 12% > 5%" in text for text in texts(failed))
    promoted = next(e for e in entries(audit) if e.cause.actor == "dave")
    assert "service active (active) selects" in " ".join(texts(promoted))


def test_an_empty_history_has_no_audit() -> None:
    with pytest.raises(ValueError, match="at least one event"):
        build_audit([], now=moment(canary_abort_retry_promote(), 0))


def test_analysis_verdicts_show_the_measured_values() -> None:
    at = T0 + timedelta(minutes=5)
    created = ev.RevisionCreated(
        cause="apply", at=T0, revision=1, pod_template_hash="abc", template={}
    )
    verdict = [
        ev.MeasurementRecorded(
            cause="m-3",
            run_name="run",
            metric="error-rate",
            index=2,
            phase=AnalysisPhase.FAILED,
            value="0.12",
            message="0.12 > 0.05",
            at=at,
        ),
        ev.MetricPhaseChanged(
            cause="m-3",
            run_name="run",
            metric="error-rate",
            phase=AnalysisPhase.FAILED,
            previous_phase=AnalysisPhase.RUNNING,
            message="failed 1 of 1 allowed",
            at=at,
        ),
        ev.AnalysisRunStatusChanged(
            cause="m-3",
            run_name="run",
            kind=AnalysisRunKind.STEP,
            phase=AnalysisPhase.FAILED,
            previous_phase=AnalysisPhase.RUNNING,
            message="metric error-rate failed",
            at=at,
        ),
        ev.RolloutAborted(cause="m-3", revision=1, message="analysis failed", at=at),
    ]
    history = store_decisions("default", "demo", [[created], verdict])
    entry = build_audit(history, now=T0 + timedelta(hours=1)).revisions[0].entries[-1]
    assert entry.cause.label() == (
        "analysis: measurement #3 of error-rate (run): value 0.12 -> Failed"
    )
    assert texts(entry) == [
        "measurement #3 of error-rate (run): 0.12 -> Failed: 0.12 > 0.05",
        "metric error-rate (run): Running -> Failed: failed 1 of 1 allowed",
        "Step analysis run: Running -> Failed: metric error-rate failed",
        "ABORTED revision 1: analysis failed",
    ]


class FromANewerWriter(Event):
    """Not registered: stands for a type this reader has no formatter for."""

    level: int


def test_unknown_event_types_are_shown_with_their_fields() -> None:
    event = FromANewerWriter(cause="x", at=T0, level=3)
    assert describe(event) == "FromANewerWriter level=3" and is_transition(event)
