"""The ledger folds every run of a rollout from its events, and keeps what the state forgets."""

from __future__ import annotations

import events.models as ev
from adapters.kubernetes.analysisruns import RunLedger
from events.phases import AnalysisPhase
from rollouts.evolve import evolve
from rollouts.state import initial_state
from tests.unit.kubernetes.analysisrun_events import NS, ROLLOUT, History

S, F = AnalysisPhase.SUCCESSFUL, AnalysisPhase.FAILED


def test_runs_of_older_revisions_stay_though_the_state_drops_them() -> None:
    history = History()
    history.complete("web-6d4f-2-1", S, revision=2)
    history.add(ev.RevisionCreated, revision=3, pod_template_hash="7e1b", template={})
    history.complete("web-7e1b-3-1", F, revision=3, pod_hash="7e1b")
    state = initial_state(NS, ROLLOUT)
    for _, event in history.events:
        state = evolve(state, event)
    assert list(state.analysis_runs) == ["web-7e1b-3-1"], "the state keeps its revision's only"
    ledger = RunLedger(NS, ROLLOUT)
    assert ledger.fold(history.events)
    runs = ledger.runs()
    assert [(r.name, r.state.phase) for r in runs] == [("web-6d4f-2-1", S), ("web-7e1b-3-1", F)]
    assert [r.facts.pod_template_hash for r in runs] == ["6d4f", "7e1b"]
    assert ledger.version == len(history.events)


def test_folding_again_changes_nothing_and_later_events_continue() -> None:
    history = History()
    history.request("web-6d4f-2-1")
    history.start("web-6d4f-2-1")
    ledger = RunLedger(NS, ROLLOUT)
    ledger.fold(history.events)
    before = ledger.runs()
    assert not ledger.fold(history.events), "events at or below the version are skipped"
    assert ledger.runs() == before
    seen = len(history.events)
    history.measure("web-6d4f-2-1", 1, S, "0.99")
    assert ledger.fold(history.events[seen:])
    (run,) = ledger.runs()
    assert run.state.metrics[0].counters.successful == 1


def test_a_forgotten_run_stays_forgotten_and_unknown_runs_are_ignored() -> None:
    history = History()
    history.complete("web-6d4f-2-1", S)
    ledger = RunLedger(NS, ROLLOUT)
    ledger.fold(history.events)
    ledger.forget(["web-6d4f-2-1", "never-heard-of"])
    assert ledger.runs() == []
    seen = len(history.events)
    history.measure("web-6d4f-2-1", 2, S, "0.98")
    history.measure("other-run", 1, S, "0.98")
    assert not ledger.fold(history.events[seen:])
    assert ledger.runs() == []


def test_completion_time_is_the_first_completed_phase_change() -> None:
    history = History()
    history.complete("web-6d4f-2-1", S)
    ledger = RunLedger(NS, ROLLOUT)
    ledger.fold(history.events)
    (run,) = ledger.runs()
    assert run.facts.completed_at == history.now
    assert run.facts.args == {"service": "web-canary"}
