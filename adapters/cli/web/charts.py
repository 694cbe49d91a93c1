"""Each metric's measurements over time, with the thresholds its conditions name.

Measurements come from the history (`MeasurementRecorded`), not from the state, which keeps only
the last few per metric (Argo's retention): the chart shows every one up to the chosen event.
A condition is an expression, not a number; the numbers it compares `result` with are pulled out
so the page can draw them as lines, and the expression itself is shown as written.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

import events.models as ev
from events.base import Event
from rollouts.run_state import AnalysisRunState, MetricRunState
from rollouts.state import RolloutState

_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
_RESULT = r"(?:asFloat\(\s*result(?:\[\d+\])?\s*\)|\bresult(?:\[\d+\])?)"
_LEFT = re.compile(rf"{_RESULT}\s*(<=|>=|==|<|>)\s*({_NUMBER})")
_RIGHT = re.compile(rf"({_NUMBER})\s*(<=|>=|==|<|>)\s*{_RESULT}")
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "=="}
_FIRST_NUMBER = re.compile(rf"(?<![\w.]){_NUMBER}")  # not the 99 of `p99`


def thresholds(condition: str, kind: str) -> list[dict[str, Any]]:
    """`result[0] < 0.05`: a line at 0.05; `0.9 <= result`: one at 0.9 with op `>=`."""
    found = [
        {"kind": kind, "op": op, "value": float(number)} for op, number in _LEFT.findall(condition)
    ]
    found += [
        {"kind": kind, "op": _FLIP[op], "value": float(number)}
        for number, op in _RIGHT.findall(condition)
    ]
    return found


def numeric(value: str) -> float | None:
    """The first number of a measured value (`0.02`, `[0.02]`, `{"p99": 0.3}`), if any."""
    match = _FIRST_NUMBER.search(value)
    if match is None:
        return None
    number = float(match.group())
    return number if math.isfinite(number) else None


def _points(events: list[Event], run: str, metric: str) -> list[dict[str, Any]]:
    return [
        {
            "index": event.index,
            "at": (event.finished_at or event.at).isoformat(),
            "value": event.value,
            "number": numeric(event.value),
            "phase": event.phase.value,
            "message": event.message,
        }
        for event in events
        if isinstance(event, ev.MeasurementRecorded)
        and event.run_name == run
        and event.metric == metric
    ]


def _chart(run: AnalysisRunState, metric: MetricRunState, events: list[Event]) -> dict[str, Any]:
    spec = metric.spec
    return {
        "run": run.name,
        "metric": spec.name,
        "phase": metric.phase.value,
        "message": metric.message,
        "dry_run": metric.dry_run,
        "success_condition": spec.success_condition,
        "failure_condition": spec.failure_condition,
        "thresholds": thresholds(spec.success_condition, "success")
        + thresholds(spec.failure_condition, "failure"),
        "points": _points(events, run.name, spec.name),
    }


def metric_charts(state: RolloutState, events: Iterable[Event]) -> list[dict[str, Any]]:
    """One chart per metric of every analysis run the state knows, oldest run first."""
    history = list(events)
    return [
        _chart(run, metric, history)
        for run in state.analysis_runs.values()
        for metric in run.metrics
    ]
