"""A query that returns nothing must never promote (§4.1, §8.2): `result[0]` on an empty vector
or on nil cannot be evaluated, so each measurement is an Error until the run errs; conditions
written to tolerate no data make it Inconclusive instead, and the rollout pauses."""

from __future__ import annotations

from typing import Any

import pytest

from events.phases import AnalysisPhase, PauseReason
from tests.unit.analysis_engine.helpers import STEP, canary_sim, metric, recorded, run_of

NO_DATA = "metric result is nil or empty: no data returned from the metric provider"


@pytest.mark.parametrize("empty", [[], None], ids=["empty-vector", "nil"])
def test_no_data_errors_until_the_run_errs(empty: Any) -> None:
    sim = canary_sim(
        {"check": [metric(successCondition="result[0] < 0.01", inconclusiveLimit=0)]},
        {"error-rate": [empty]},
    )
    sim.run_timers(limit=600)
    measurements = recorded(sim)
    assert [e.phase for e in measurements] == ["Error"] * 5
    assert (
        measurements[0].message
        == f'could not evaluate successCondition "result[0] < 0.01": {NO_DATA}'
    )
    assert measurements[0].value == ("[]" if empty == [] else "")
    run = run_of(sim, STEP)
    assert run.phase is AnalysisPhase.ERROR
    assert sim.state.abort and not sim.state.fully_promoted and sim.weight == 0


@pytest.mark.parametrize("empty", [[], None], ids=["empty-vector", "nil"])
def test_guarded_conditions_make_no_data_inconclusive(empty: Any) -> None:
    guarded: dict[str, Any] = {
        "successCondition": "len(result ?? []) > 0 && result[0] < 0.01",
        "failureCondition": "len(result ?? []) > 0 && result[0] >= 0.05",
        "inconclusiveLimit": 0,
    }
    sim = canary_sim({"check": [metric(**guarded)]}, {"error-rate": [empty]})
    sim.run_timers(limit=600)
    assert [e.phase for e in recorded(sim)] == ["Inconclusive"]
    assert run_of(sim, STEP).phase is AnalysisPhase.INCONCLUSIVE
    assert sim.state.pause_condition(PauseReason.INCONCLUSIVE_ANALYSIS_RUN) is not None
    assert not sim.state.fully_promoted and sim.weight == 20
