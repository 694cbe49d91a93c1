"""JudgmentRecorded: registered with a schema version, folded into the run, round-tripped by the
codec, one readable line in the audit and `rollouts events`, and in notifications' analysisRuns."""

from __future__ import annotations

import json
from datetime import timedelta

from adapters.cli.summaries import summarize
from adapters.history.describe import describe
from adapters.notify.rollout_json import analysis_run_object
from events.base import EVENT_TYPES
from events.codec import DEFAULT_CODEC
from events.envelope import Envelope
from events.judgment import JudgmentRecorded
from events.phases import AnalysisRunKind
from rollouts.evolve import evolve
from tests.support.sim import T0, Sim, analysis, rollout_manifest
from tests.unit.judge.samples import sample_judgment

EXPECTED_LINE = (
    "score 0 -> Failed (critical metric 'error-rate' classified High): "
    "error-rate High p=0.000149 ratio=10.5 [critical]; latency Pass p=1 ratio=1; queue NoData"
)


def _event(run_name: str) -> JudgmentRecorded:
    return JudgmentRecorded(
        cause="input-1",
        at=T0 + timedelta(minutes=5),
        run_name=run_name,
        index=0,
        judgment=sample_judgment(),
    )


def test_registered_with_a_schema_version() -> None:
    assert EVENT_TYPES["JudgmentRecorded"] is JudgmentRecorded
    assert JudgmentRecorded.schema_version == 2


def test_a_version_1_payload_reads_as_a_judgment_without_samples() -> None:
    v1 = _event("r").model_dump(
        mode="json", exclude={"metric", "measurement_index", "baseline", "canary"}
    )
    decoded = DEFAULT_CODEC.decode_payload("JudgmentRecorded", 1, json.dumps(v1))
    assert isinstance(decoded, JudgmentRecorded)
    assert (decoded.metric, decoded.baseline, decoded.canary) == ("", (), ())
    assert decoded.judgment == sample_judgment()


def test_samples_round_trip() -> None:
    event = _event("r").model_copy(
        update={
            "metric": "error-rate",
            "measurement_index": 3,
            "baseline": (0.1, 0.2),
            "canary": (0.5,),
        }
    )
    envelope = Envelope.for_event(event, namespace="shop", name="web", rollout_sequence=1, id="s")
    _, decoded = DEFAULT_CODEC.decode(*DEFAULT_CODEC.encode(envelope, event))
    assert decoded == event


def test_the_run_keeps_its_latest_judgment() -> None:
    steps = [{"setWeight": 50}, {"analysis": analysis("check")}]
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=2, canary={"steps": steps}))
    sim.deploy(rollout_manifest(replicas=2, image="x:2", canary={"steps": steps}))
    run = sim.state.run(AnalysisRunKind.STEP)
    assert run is not None and run.judgment is None
    after = evolve(sim.state, _event(run.name))
    judged = after.analysis_runs[run.name]
    assert judged.judgment == sample_judgment()
    assert after.version == sim.state.version + 1


def test_a_judgment_of_an_unknown_run_changes_nothing_but_the_version() -> None:
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=1, canary={"steps": []}))
    after = evolve(sim.state, _event("gone"))
    assert after.analysis_runs == sim.state.analysis_runs


def test_codec_round_trip_keeps_every_number() -> None:
    event = _event("r")
    envelope = Envelope.for_event(event, namespace="shop", name="web", rollout_sequence=1, id="j")
    _, decoded = DEFAULT_CODEC.decode(*DEFAULT_CODEC.encode(envelope, event))
    assert isinstance(decoded, JudgmentRecorded)
    assert decoded == event
    metrics = decoded.judgment.metrics
    assert [m.classification for m in metrics] == ["High", "Pass", "NoData"]
    assert metrics[0].method == "exact" or metrics[0].method == "asymptotic"
    assert metrics[2].p_value is None and metrics[2].effect_size is None


def test_audit_and_events_show_one_line() -> None:
    event = _event("r")
    assert describe(event) == f"judgment #1 of r: {EXPECTED_LINE}"
    assert summarize(event, "web") == f"judgment #1 of r: {EXPECTED_LINE}"


def test_notification_analysis_run_object_carries_the_judgment() -> None:
    steps = [{"setWeight": 50}, {"analysis": analysis("check")}]
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=2, canary={"steps": steps}))
    sim.deploy(rollout_manifest(replicas=2, image="x:2", canary={"steps": steps}))
    run = sim.state.run(AnalysisRunKind.STEP)
    assert run is not None
    assert "judgment" not in analysis_run_object(sim.state, run)
    judged = evolve(sim.state, _event(run.name))
    document = analysis_run_object(judged, judged.analysis_runs[run.name])
    assert document["judgment"]["verdict"] == "Failed"
    assert [m["classification"] for m in document["judgment"]["metrics"]] == [
        "High",
        "Pass",
        "NoData",
    ]
