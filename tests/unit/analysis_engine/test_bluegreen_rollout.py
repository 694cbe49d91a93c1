"""Measured pre- and post-promotion analysis of a blue-green rollout (§3.7, §8.1 item 13)."""

from __future__ import annotations

from events.phases import AnalysisPhase
from tests.support.sim import HOLD, analysis
from tests.unit.analysis_engine.helpers import BAD, GOOD, POST, PRE, bluegreen_sim, metric, run_of

CHECK = {"check": [metric(count=2, interval="10s")]}


def test_pre_promotion_analysis_gates_the_switch() -> None:
    sim = bluegreen_sim(CHECK, {"error-rate": [GOOD, HOLD]}, prePromotionAnalysis=analysis("check"))
    stable, new = sim.state.stable_rs, sim.state.current_pod_hash
    sim.run_timers(limit=30)
    assert run_of(sim, PRE).phase is AnalysisPhase.RUNNING
    assert sim.state.selectors["active"] == stable, "no switch before the run succeeds"
    sim.release(GOOD)
    assert run_of(sim, PRE).phase is AnalysisPhase.SUCCESSFUL
    assert sim.state.selectors["active"] == new and sim.state.fully_promoted


def test_pre_promotion_failure_aborts_and_keeps_the_active_service() -> None:
    sim = bluegreen_sim(CHECK, {"error-rate": [BAD]}, prePromotionAnalysis=analysis("check"))
    assert run_of(sim, PRE).phase is AnalysisPhase.FAILED
    assert sim.state.abort and sim.state.selectors["active"] == sim.state.stable_rs
    assert "Blue/green pre-promotion analysis phase error/failed: Metric" in (
        sim.state.abort_message
    )


def test_post_promotion_failure_switches_the_active_service_back() -> None:
    sim = bluegreen_sim(CHECK, {"error-rate": [GOOD, BAD]}, postPromotionAnalysis=analysis("check"))
    stable, new = sim.state.stable_rs, sim.state.current_pod_hash
    assert sim.state.selectors["active"] == new and not sim.state.fully_promoted
    assert run_of(sim, POST).phase is AnalysisPhase.RUNNING
    sim.run_timers(limit=30)
    assert run_of(sim, POST).phase is AnalysisPhase.FAILED
    assert sim.state.abort and sim.state.selectors["active"] == stable
    assert sim.state.stable_rs == stable and sim.phase == "Degraded"


def test_post_promotion_success_marks_the_new_stack_stable() -> None:
    sim = bluegreen_sim(CHECK, {}, postPromotionAnalysis=analysis("check"))
    sim.run_timers(limit=30)
    assert run_of(sim, POST).phase is AnalysisPhase.SUCCESSFUL
    assert sim.state.fully_promoted and sim.phase == "Healthy"
