"""Decisions and their causes: from recorded inputs when there are some, else from events."""

from __future__ import annotations

from typing import Any

import pytest

import events.inputs as inp
import events.models as ev
from adapters.history.causes import RecordedInput, explain, from_input, inferred
from adapters.history.decisions import Decision, by_rollout, group_decisions
from events.base import Event, Input
from events.phases import AnalysisPhase, AnalysisRunKind
from tests.support.sim import T0
from tests.unit.history.histories import blue_green, canary_abort_retry_promote, store_decisions

AT: dict[str, Any] = {"at": T0}


def decision(*events: Event) -> Decision:
    return group_decisions(store_decisions("default", "demo", [list(events)]))[0]


def test_consecutive_events_with_one_cause_are_one_decision() -> None:
    sim = canary_abort_retry_promote()
    decisions = group_decisions(sim.stored())
    assert [len(d.events) for d in decisions] == [len(group) for group in sim.decisions]
    assert all(len({s.envelope.causationid for s in d.events}) == 1 for d in decisions)
    assert decisions[0].first_sequence == 1 and decisions[-1].last_sequence == len(sim.stored())


def test_the_stream_splits_into_histories() -> None:
    first, second = canary_abort_retry_promote().stored(), blue_green().stored()
    mixed = sorted([*first, *second], key=lambda s: s.envelope.time)
    histories = by_rollout(mixed)
    assert sorted(histories) == [("default", "demo"), ("default", "shop")]
    assert [s.envelope.id for s in histories[("default", "shop")]] == [
        s.envelope.id for s in second
    ]


EVENT_CASES = [
    (
        "c1",
        [
            ev.CommandAccepted(
                cause="c1", command="set image", arguments={"app": "x:2"}, actor="ann", **AT
            )
        ],
        ("command", "set image app=x:2", "user ann: set image app=x:2"),
    ),
    (
        "c2",
        [
            ev.ReplicaSetStatusObserved(
                cause="c2",
                pod_template_hash="abc",
                replicas=3,
                ready_replicas=2,
                available_replicas=1,
                **AT,
            )
        ],
        ("replicaset", "ReplicaSet abc reported 3 replicas, 2 ready, 1 available", None),
    ),
    (
        "c3",
        [ev.TrafficWeightApplied(cause="c3", canary_weight=40, verified=True, **AT)],
        ("router", "router reported canary weight 40, verified", None),
    ),
    (
        "c4",
        [
            ev.MeasurementRecorded(
                cause="c4",
                run_name="r",
                metric="errors",
                index=1,
                phase=AnalysisPhase.FAILED,
                value="0.12",
                **AT,
            )
        ],
        ("analysis", "measurement #2 of errors (r): value 0.12 -> Failed", None),
    ),
    (
        "tick:default/demo:2026-01-01T00:00:00+00:00",
        [
            ev.PauseConditionsCleared(
                cause="tick:default/demo:2026-01-01T00:00:00+00:00", reason="x", **AT
            )
        ],
        ("timer", "timer fired", "timer: timer fired"),
    ),
    (
        "mystery",
        [ev.PauseConditionsCleared(cause="mystery", reason="x", **AT)],
        ("unknown", "input mystery", "controller: input mystery"),
    ),
]


@pytest.mark.parametrize(("cause", "events", "expected"), EVENT_CASES)
def test_causes_inferred_from_events(
    cause: str, events: list[Event], expected: tuple[str, str, str | None]
) -> None:
    found = inferred(decision(*events))
    kind, summary, label = expected
    assert (found.kind, found.summary, found.input_id) == (kind, summary, cause)
    if label is not None:
        assert found.label() == label


INPUT_CASES: list[tuple[Input, str, str]] = [
    (inp.Promote(input_id="i", full=True, actor="bo"), "command", "promote --full"),
    (inp.Undo(input_id="i", to_revision=3), "command", "undo --to-revision 3"),
    (inp.SetImage(input_id="i", container="app", image="app:9"), "command", "set image app=app:9"),
    (inp.Abort(input_id="i"), "command", "abort"),
    (
        inp.ReplicaSetObserved(
            input_id="i", pod_template_hash="h", replicas=2, ready_replicas=2, available_replicas=1
        ),
        "replicaset",
        "ReplicaSet h reported 2 replicas, 2 ready, 1 available",
    ),
    (
        inp.TrafficWeightObserved(input_id="i", canary_weight=10),
        "router",
        "router reported canary weight 10",
    ),
    (
        inp.AnalysisRunObserved(
            input_id="i", run_name="r", phase=AnalysisPhase.FAILED, message="bad"
        ),
        "analysis",
        "analysis run r reported Failed: bad",
    ),
    (
        inp.MeasurementTaken(
            input_id="i",
            run_name="r",
            metric="m",
            index=0,
            value=0.5,
            started_at=T0,
            finished_at=T0,
        ),
        "analysis",
        "measurement #1 of m (r): value 0.5",
    ),
    (inp.Tick(input_id="i"), "timer", "timer fired"),
]


@pytest.mark.parametrize(("item", "kind", "summary"), INPUT_CASES)
def test_causes_from_recorded_inputs(item: Input, kind: str, summary: str) -> None:
    cause = from_input(RecordedInput(item, T0))
    assert (cause.kind, cause.summary, cause.input_type) == (kind, summary, type(item).__name__)
    assert cause.from_inputs_stream and cause.published_at == T0


def test_recorded_input_wins_but_keeps_the_actor_from_the_events() -> None:
    accepted = ev.CommandAccepted(cause="c", command="promote", actor="eve", **AT)
    recorded = RecordedInput(inp.Promote(input_id="c"), T0)
    cause = explain(decision(accepted), recorded)
    assert (cause.summary, cause.actor, cause.input_type) == ("promote", "eve", "Promote")
    other = RecordedInput(inp.Promote(input_id="someone-else"), T0)
    assert not explain(decision(accepted), other).from_inputs_stream


def test_the_first_echo_names_an_analysis_run() -> None:
    changed = ev.AnalysisRunStatusChanged(
        cause="c",
        run_name="r",
        kind=AnalysisRunKind.STEP,
        phase=AnalysisPhase.SUCCESSFUL,
        previous_phase=AnalysisPhase.RUNNING,
        **AT,
    )
    assert inferred(decision(changed)).summary == "analysis run r reported Successful"
