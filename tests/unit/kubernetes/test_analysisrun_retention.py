"""Which runs keep an object: Argo's run history limits, newest first, current runs exempt."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.kubernetes.analysisruns import HistoryLimits, RunLedger, split_kept
from events.phases import AnalysisPhase
from tests.unit.kubernetes.analysisrun_events import NS, ROLLOUT, History

S, F = AnalysisPhase.SUCCESSFUL, AnalysisPhase.FAILED
ERR, INC = AnalysisPhase.ERROR, AnalysisPhase.INCONCLUSIVE


def ledger_of(history: History) -> RunLedger:
    ledger = RunLedger(NS, ROLLOUT)
    ledger.fold(history.events)
    return ledger


def alternating(count: int) -> History:
    """Runs r1..r<count>, odd ones Successful, even ones Failed/Error/Inconclusive in turn."""
    history = History()
    unsuccessful = [F, ERR, INC]
    for n in range(1, count + 1):
        phase = S if n % 2 else unsuccessful[(n // 2 - 1) % 3]
        history.complete(f"r{n}", phase)
    return history


def test_default_limits_keep_the_newest_five_of_each_kind() -> None:
    kept, pruned = split_kept(ledger_of(alternating(14)).runs(), set(), HistoryLimits())
    assert [run.name for run in pruned] == ["r1", "r2", "r3", "r4"]
    assert [run.name for run in kept] == [f"r{n}" for n in range(5, 15)]


def test_running_and_current_runs_are_kept_and_not_counted() -> None:
    history = alternating(4)
    history.request("r5")
    history.start("r5")
    kept, pruned = split_kept(ledger_of(history).runs(), {"r3"}, HistoryLimits(1, 1))
    # r3 is current: kept and not counted, so r1 is the one Successful run the limit keeps.
    assert [run.name for run in kept] == ["r1", "r3", "r4", "r5"]
    assert [run.name for run in pruned] == ["r2"]


def test_zero_limits_prune_every_completed_run_not_current() -> None:
    kept, pruned = split_kept(ledger_of(alternating(3)).runs(), {"r3"}, HistoryLimits(0, 0))
    assert [run.name for run in kept] == ["r3"]
    assert [run.name for run in pruned] == ["r1", "r2"]


@pytest.mark.parametrize(
    ("analysis", "expected"),
    [
        (None, (5, 5)),
        ({}, (5, 5)),
        ({"successfulRunHistoryLimit": 2, "unsuccessfulRunHistoryLimit": 0}, (2, 0)),
        ({"successfulRunHistoryLimit": -1, "unsuccessfulRunHistoryLimit": "3"}, (5, 5)),
        ({"successfulRunHistoryLimit": True}, (5, 5)),
    ],
)
def test_limits_come_from_the_rollouts_spec_analysis(
    analysis: dict[str, Any] | None, expected: tuple[int, int]
) -> None:
    spec: dict[str, Any] = {} if analysis is None else {"analysis": analysis}
    limits = HistoryLimits.of({"spec": spec})
    assert (limits.successful, limits.unsuccessful) == expected
