"""Judge metrics through the core: the worker's samples become a JudgmentRecorded and a measurement
whose phase is the verdict, and a run with a worse canary fails the rollout (docs/judge.md)."""

from __future__ import annotations

from typing import Any

import events.models as ev
from events.phases import AnalysisPhase
from rollouts.judge import MetricSamples, Thresholds, judge
from rollouts.judge.from_spec import criteria_of
from rollouts.spec.analysis import Metric
from tests.support.sim import ProviderError
from tests.unit.analysis_engine.helpers import STEP, canary_sim, recorded, run_of

PROMETHEUS = {"prometheus": {"address": "http://prometheus:9090"}}
STABLE = [0.001, 0.002, 0.001, 0.0015, 0.002, 0.001, 0.0012, 0.0018, 0.001, 0.002]
WORSE = [0.01, 0.012, 0.011, 0.0105, 0.013, 0.0098, 0.0115, 0.012, 0.01, 0.011]


def judge_metric(name: str = "error-rate", **judge: Any) -> dict[str, Any]:
    block = {"baseline": "errors{v='1'}", "canary": "errors{v='2'}", "direction": "increase"}
    return {"name": name, "provider": PROMETHEUS, "judge": {**block, **judge}}


def samples(baseline: list[Any], canary: list[Any]) -> dict[str, list[Any]]:
    return {"baseline": baseline, "canary": canary}


def test_a_worse_canary_is_failed_by_its_judgment_and_the_rollout_aborts() -> None:
    sim = canary_sim({"check": [judge_metric()]}, {"error-rate": [samples(STABLE, WORSE)]})
    sim.run_timers(limit=60)
    (judged,) = sim.of(ev.JudgmentRecorded)
    assert (judged.index, judged.metric, judged.measurement_index) == (0, "error-rate", 1)
    assert judged.judgment.verdict == "Failed" and judged.judgment.score == 0
    assert judged.judgment.metrics[0].classification == "High"
    assert judged.baseline == tuple(STABLE) and judged.canary == tuple(WORSE)
    (measurement,) = recorded(sim)
    assert measurement.phase is AnalysisPhase.FAILED and measurement.value == "0"
    assert measurement.message.startswith("judgment score 0 -> Failed")
    run = run_of(sim, STEP)
    assert run.phase is AnalysisPhase.FAILED and run.judgment == judged.judgment
    assert sim.state.abort and not sim.state.fully_promoted


def test_the_recorded_samples_rejudge_to_the_same_judgment() -> None:
    sim = canary_sim({"check": [judge_metric()]}, {"error-rate": [samples(STABLE, WORSE)]})
    sim.run_timers(limit=60)
    (judged,) = sim.of(ev.JudgmentRecorded)
    criteria = criteria_of(Metric.model_validate(judge_metric()))
    again = judge([MetricSamples.of(criteria, judged.baseline, judged.canary)], Thresholds())
    assert again == judged.judgment


def test_a_canary_like_stable_passes_and_the_rollout_goes_on() -> None:
    script = {"error-rate": [samples(STABLE, list(reversed(STABLE)))]}
    sim = canary_sim({"check": [{**judge_metric(), "count": 1}]}, script)
    sim.run_timers(limit=60)
    (judged,) = sim.of(ev.JudgmentRecorded)
    assert judged.judgment.verdict == "Successful" and judged.judgment.score == 100
    assert run_of(sim, STEP).phase is AnalysisPhase.SUCCESSFUL
    assert not sim.state.abort


def test_empty_samples_are_no_data_and_fail_the_judgment() -> None:
    sim = canary_sim({"check": [judge_metric()]}, {"error-rate": [samples(STABLE, [])]})
    sim.run_timers(limit=60)
    (judged,) = sim.of(ev.JudgmentRecorded)
    assert judged.judgment.metrics[0].classification == "NoData"
    assert judged.judgment.reason == "1 of 1 metrics returned NoData"
    assert recorded(sim)[0].phase is AnalysisPhase.FAILED


def test_nan_samples_are_dropped_before_they_are_recorded() -> None:
    nan = float("nan")
    sim = canary_sim({"check": [judge_metric()]}, {"error-rate": [samples([*STABLE, nan], WORSE)]})
    sim.run_timers(limit=60)
    (judged,) = sim.of(ev.JudgmentRecorded)
    assert judged.baseline == tuple(STABLE)
    assert judged.judgment.metrics[0].baseline_count == len(STABLE)


def test_a_provider_error_is_an_error_measurement_and_no_judgment() -> None:
    script = {"error-rate": [ProviderError("judge baseline query: server_error: 502")]}
    sim = canary_sim({"check": [judge_metric()]}, script)
    sim.run_timers(limit=600)
    assert sim.of(ev.JudgmentRecorded) == []
    phases = [m.phase for m in recorded(sim)]
    assert phases == [AnalysisPhase.ERROR] * 5
    assert recorded(sim)[0].message == "judge baseline query: server_error: 502"
    assert run_of(sim, STEP).phase is AnalysisPhase.ERROR


def test_a_value_that_is_not_samples_is_an_error_naming_it() -> None:
    sim = canary_sim({"check": [judge_metric()]}, {"error-rate": [[0.1, 0.2]]})
    sim.run_timers(limit=600)
    assert sim.of(ev.JudgmentRecorded) == []
    assert recorded(sim)[0].message == (
        "judge measurement: value must be an object with baseline and canary samples, got list"
    )


def test_a_second_metric_is_scored_with_the_first_ones_classification() -> None:
    metrics = [judge_metric(weight=3), judge_metric("latency", direction="either")]
    thresholds = {"marginal": 50, "pass": 90}
    metrics[0]["judge"]["thresholds"] = metrics[1]["judge"]["thresholds"] = thresholds
    script = {"error-rate": [samples(STABLE, STABLE)], "latency": [samples(STABLE, WORSE)]}
    sim = canary_sim({"check": metrics}, script)
    sim.run_timers(limit=60)
    first, second = sim.of(ev.JudgmentRecorded)
    assert [m.metric for m in first.judgment.metrics] in (["error-rate"], ["latency"])
    assert (second.index, len(second.judgment.metrics)) == (1, 2)
    assert second.judgment.score == 75 and second.judgment.verdict == "Inconclusive"
