"""The two state machines, as data: rollout phases and AnalysisRun phases.

The tables are the single source of truth for which phase changes may happen. The domain derives
a phase from state (Argo's precedence rules) and then asks the table whether the change is
allowed; an answer of no is a bug or a stale observation, never something to paper over. The
README's diagrams are generated from these same tables.

This is the only module that imports `transitions`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from transitions import Machine

from events.phases import AnalysisPhase, RolloutPhase
from rollouts.errors import IllegalTransition

NEW = "New"
"""Pseudo-phase of a rollout before its first spec: the machine's initial state."""

_H, _PR, _PA, _D = (p.value for p in RolloutPhase)

ROLLOUT_TRANSITIONS: tuple[dict[str, Any], ...] = (
    {"trigger": "create", "source": NEW, "dest": _H},
    {"trigger": "create", "source": NEW, "dest": _PR},
    {"trigger": "create", "source": NEW, "dest": _PA},
    {"trigger": "update", "source": _H, "dest": _PR},
    {"trigger": "pause", "source": [_H, _PR, _D], "dest": _PA},
    {"trigger": "resume", "source": _PA, "dest": _PR},
    {"trigger": "complete", "source": [_PR, _PA, _D], "dest": _H},
    {"trigger": "abort", "source": [_PR, _PA], "dest": _D},
    {"trigger": "timeout", "source": _PR, "dest": _D},
    {"trigger": "recover", "source": _D, "dest": _PR},
)
"""(trigger, source, dest) rows. Healthy never goes straight to Degraded: a fully promoted
rollout cannot be aborted and has no deadline running. Degraded leaves by retry, a new spec, or
progress resuming after a deadline (`recover`), or by a rollback that completes at once."""

_PE, _RU, _SU, _FA, _ER, _IN = (p.value for p in AnalysisPhase)

ANALYSIS_TRANSITIONS: tuple[dict[str, Any], ...] = (
    {"trigger": "start", "source": _PE, "dest": _RU},
    {"trigger": "succeed", "source": [_PE, _RU], "dest": _SU},
    {"trigger": "fail", "source": [_PE, _RU], "dest": _FA},
    {"trigger": "error", "source": [_PE, _RU], "dest": _ER},
    {"trigger": "inconclude", "source": [_PE, _RU], "dest": _IN},
)
"""A run only moves forward; the four completed phases are final. A run can complete straight
from Pending when its first measurement already decides, or when it is terminated early."""

_ANALYSIS_TRIGGER = {
    AnalysisPhase.RUNNING: "start",
    AnalysisPhase.SUCCESSFUL: "succeed",
    AnalysisPhase.FAILED: "fail",
    AnalysisPhase.ERROR: "error",
    AnalysisPhase.INCONCLUSIVE: "inconclude",
}


@cache
def _rollout_machine() -> Machine:
    states = [NEW, *(p.value for p in RolloutPhase)]
    return Machine(
        states=states,
        transitions=[dict(t) for t in ROLLOUT_TRANSITIONS],
        initial=NEW,
        auto_transitions=False,
    )


@cache
def _analysis_machine() -> Machine:
    return Machine(
        states=[p.value for p in AnalysisPhase],
        transitions=[dict(t) for t in ANALYSIS_TRANSITIONS],
        initial=_PE,
        auto_transitions=False,
    )


def _allowed(machine: Machine, trigger: str, source: str, dest: str) -> bool:
    return any(t.dest == dest for t in machine.get_transitions(trigger=trigger, source=source))


def rollout_trigger(source: RolloutPhase | None, dest: RolloutPhase, reason: str) -> str:
    """Name the trigger of a derived phase change, so the table can judge it."""
    if source is None:
        return "create"
    if dest is RolloutPhase.DEGRADED:
        return "timeout" if reason == "ProgressDeadlineExceeded" else "abort"
    if dest is RolloutPhase.PAUSED:
        return "pause"
    if dest is RolloutPhase.HEALTHY:
        return "complete"
    return {RolloutPhase.PAUSED: "resume", RolloutPhase.DEGRADED: "recover"}.get(source, "update")


def check_rollout_transition(trigger: str, source: RolloutPhase | None, dest: RolloutPhase) -> None:
    """Raise IllegalTransition unless the table allows `source --trigger--> dest`."""
    src = NEW if source is None else source.value
    if not _allowed(_rollout_machine(), trigger, src, dest.value):
        raise IllegalTransition("rollout", trigger, src, dest.value)


def analysis_trigger(dest: AnalysisPhase) -> str:
    if dest not in _ANALYSIS_TRIGGER:
        raise IllegalTransition("analysis run", "reset", "any", dest.value)
    return _ANALYSIS_TRIGGER[dest]


def check_analysis_transition(source: AnalysisPhase, dest: AnalysisPhase) -> str:
    """Return the trigger of `source -> dest`, or raise IllegalTransition."""
    trigger = analysis_trigger(dest)
    if not _allowed(_analysis_machine(), trigger, source.value, dest.value):
        raise IllegalTransition("analysis run", trigger, source.value, dest.value)
    return trigger


def rollout_triggers() -> tuple[str, ...]:
    return tuple(dict.fromkeys(t["trigger"] for t in ROLLOUT_TRANSITIONS))


def analysis_triggers() -> tuple[str, ...]:
    return tuple(dict.fromkeys(t["trigger"] for t in ANALYSIS_TRANSITIONS))


def mermaid(which: str) -> str:
    """Mermaid state diagram of `rollout` or `analysis`, generated from the table."""
    if which == "rollout":
        states, table, initial = [NEW, *RolloutPhase], ROLLOUT_TRANSITIONS, NEW
    elif which == "analysis":
        states, table, initial = list(AnalysisPhase), ANALYSIS_TRANSITIONS, _PE
    else:
        raise ValueError(f"unknown state machine {which!r}; expected rollout or analysis")
    # Imported here: transitions.extensions also loads its asyncio machine (asyncio, socket,
    # ssl), which the pure domain must not pull in just to be imported.
    from transitions.extensions.diagrams import GraphMachine

    graph = GraphMachine(
        states=[str(s) for s in states],
        transitions=[dict(t) for t in table],
        initial=initial,
        auto_transitions=False,
        graph_engine="mermaid",
    ).get_graph()
    lines = [
        ln for ln in graph.source.splitlines() if not ln.strip().startswith(("Class", "classDef"))
    ]
    start = lines.index("stateDiagram-v2")
    return "\n".join(ln for ln in lines[start:] if ln.strip()) + "\n"
