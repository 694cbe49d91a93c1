"""The two state machines as tables: every (phase, trigger) pair is either allowed with one
destination or refused, and the trigger names the domain derives match the table."""

from __future__ import annotations

import itertools

import pytest

from events.phases import AnalysisPhase, RolloutPhase
from rollouts.errors import IllegalTransition
from rollouts.fsm import (
    ANALYSIS_TRANSITIONS,
    NEW,
    ROLLOUT_TRANSITIONS,
    analysis_trigger,
    analysis_triggers,
    check_analysis_transition,
    check_rollout_transition,
    mermaid,
    rollout_trigger,
    rollout_triggers,
)

H, PR, PA, D = (
    RolloutPhase.HEALTHY,
    RolloutPhase.PROGRESSING,
    RolloutPhase.PAUSED,
    RolloutPhase.DEGRADED,
)
ROLLOUT_SOURCES: list[RolloutPhase | None] = [None, *RolloutPhase]

# The rollout machine written out by hand: (source, trigger) -> destination. Anything missing is
# illegal. None is the pseudo-state New (before the first spec).
ROLLOUT_EXPECTED: dict[tuple[RolloutPhase | None, str], RolloutPhase | tuple[RolloutPhase, ...]] = {
    (None, "create"): (H, PR, PA),
    (H, "update"): PR,
    (H, "pause"): PA,
    (PR, "pause"): PA,
    (D, "pause"): PA,
    (PA, "resume"): PR,
    (PR, "complete"): H,
    (PA, "complete"): H,
    (D, "complete"): H,
    (PR, "abort"): D,
    (PA, "abort"): D,
    (PR, "timeout"): D,
    (D, "recover"): PR,
}

ANALYSIS_EXPECTED: dict[tuple[AnalysisPhase, str], AnalysisPhase] = {
    (AnalysisPhase.PENDING, "start"): AnalysisPhase.RUNNING,
    **{
        (source, trigger): dest
        for source in (AnalysisPhase.PENDING, AnalysisPhase.RUNNING)
        for trigger, dest in (
            ("succeed", AnalysisPhase.SUCCESSFUL),
            ("fail", AnalysisPhase.FAILED),
            ("error", AnalysisPhase.ERROR),
            ("inconclude", AnalysisPhase.INCONCLUSIVE),
        )
    },
}


def _name(phase: RolloutPhase | None) -> str:
    return NEW if phase is None else phase.value


def _allowed_dests(source: RolloutPhase | None, trigger: str) -> tuple[RolloutPhase, ...]:
    expected = ROLLOUT_EXPECTED.get((source, trigger), ())
    return expected if isinstance(expected, tuple) else (expected,)


ROLLOUT_CASES = list(itertools.product(ROLLOUT_SOURCES, rollout_triggers(), RolloutPhase))


@pytest.mark.parametrize(
    ("source", "trigger", "dest"),
    ROLLOUT_CASES,
    ids=[f"{_name(s)}-{t}-{d.value}" for s, t, d in ROLLOUT_CASES],
)
def test_rollout_table_allows_exactly_the_expected_pairs(
    source: RolloutPhase | None, trigger: str, dest: RolloutPhase
) -> None:
    if dest in _allowed_dests(source, trigger):
        check_rollout_transition(trigger, source, dest)
        return
    with pytest.raises(IllegalTransition) as refused:
        check_rollout_transition(trigger, source, dest)
    assert refused.value.trigger == trigger
    assert refused.value.source == _name(source)
    assert f"'{trigger}' is not allowed from {_name(source)}" in str(refused.value)


def test_rollout_table_has_no_row_the_expectation_lacks() -> None:
    rows = {
        (src, t["trigger"], t["dest"])
        for t in ROLLOUT_TRANSITIONS
        for src in (t["source"] if isinstance(t["source"], list) else [t["source"]])
    }
    expected = {
        (_name(source), trigger, dest.value)
        for (source, trigger), dests in ROLLOUT_EXPECTED.items()
        for dest in (dests if isinstance(dests, tuple) else (dests,))
    }
    assert rows == expected


def test_rollout_triggers_are_listed_once_in_table_order() -> None:
    assert rollout_triggers() == (
        "create",
        "update",
        "pause",
        "resume",
        "complete",
        "abort",
        "timeout",
        "recover",
    )


ANALYSIS_CASES = list(itertools.product(AnalysisPhase, AnalysisPhase))


@pytest.mark.parametrize(
    ("source", "dest"), ANALYSIS_CASES, ids=[f"{s.value}-{d.value}" for s, d in ANALYSIS_CASES]
)
def test_analysis_table_allows_exactly_the_expected_pairs(
    source: AnalysisPhase, dest: AnalysisPhase
) -> None:
    allowed = {(s, d): t for (s, t), d in ANALYSIS_EXPECTED.items()}
    if (source, dest) in allowed:
        assert check_analysis_transition(source, dest) == allowed[(source, dest)]
        return
    with pytest.raises(IllegalTransition) as refused:
        check_analysis_transition(source, dest)
    assert refused.value.machine == "analysis run"


@pytest.mark.parametrize("phase", list(AnalysisPhase), ids=str)
def test_every_analysis_phase_but_pending_has_a_trigger(phase: AnalysisPhase) -> None:
    if phase is AnalysisPhase.PENDING:
        with pytest.raises(IllegalTransition, match="'reset' is not allowed"):
            analysis_trigger(phase)
    else:
        assert analysis_trigger(phase) in analysis_triggers()


def test_completed_runs_are_final() -> None:
    completed = [p for p in AnalysisPhase if p.completed]
    for source, dest in itertools.product(completed, AnalysisPhase):
        with pytest.raises(IllegalTransition):
            check_analysis_transition(source, dest)


RT = rollout_trigger
TRIGGER_NAMING = [
    ("first spec", None, PR, "ReplicasUpdating", "create"),
    ("first spec healthy", None, H, "RolloutHealthy", "create"),
    ("deadline", PR, D, "ProgressDeadlineExceeded", "timeout"),
    ("abort", PA, D, "RolloutAborted", "abort"),
    ("pause step", PR, PA, "CanaryPauseStep", "pause"),
    ("manual pause from degraded", D, PA, "RolloutPaused", "pause"),
    ("completion", PR, H, "RolloutHealthy", "complete"),
    ("resume", PA, PR, "ReplicasUpdating", "resume"),
    ("recover", D, PR, "ReplicasUpdating", "recover"),
    ("update", H, PR, "ReplicasUpdating", "update"),
]


@pytest.mark.parametrize(
    ("source", "dest", "reason", "trigger"),
    [case[1:] for case in TRIGGER_NAMING],
    ids=[case[0] for case in TRIGGER_NAMING],
)
def test_rollout_trigger_naming(
    source: RolloutPhase | None, dest: RolloutPhase, reason: str, trigger: str
) -> None:
    assert RT(source, dest, reason) == trigger
    check_rollout_transition(trigger, source, dest)


def _mermaid_edges(diagram: str) -> set[tuple[str, str, str]]:
    """(source, dest, trigger) per edge; parallel edges are drawn once as `a | b`."""
    edges = set()
    for line in diagram.splitlines():
        if " --> " not in line or ": " not in line:
            continue
        arrow, triggers = line.strip().split(": ", 1)
        source, dest = arrow.split(" --> ")
        edges |= {(source, dest, t.strip()) for t in triggers.split("|")}
    return edges


@pytest.mark.parametrize("which", ["rollout", "analysis"])
def test_mermaid_has_every_row(which: str) -> None:
    table = ROLLOUT_TRANSITIONS if which == "rollout" else ANALYSIS_TRANSITIONS
    diagram = mermaid(which)
    assert diagram.startswith("stateDiagram-v2\n")
    rows = {
        (source, row["dest"], row["trigger"])
        for row in table
        for source in (row["source"] if isinstance(row["source"], list) else [row["source"]])
    }
    assert _mermaid_edges(diagram) == rows
    initial = NEW if which == "rollout" else AnalysisPhase.PENDING.value
    assert f"[*] --> {initial}" in diagram


def test_mermaid_refuses_an_unknown_machine() -> None:
    with pytest.raises(ValueError, match="unknown state machine 'deploy'"):
        mermaid("deploy")
