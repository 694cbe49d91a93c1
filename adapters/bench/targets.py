"""The targets of issues 3 and 4, checked against one run's results."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

Check = tuple[str, Callable[[dict[str, Any]], float], str, float]

CHECKS: tuple[Check, ...] = (
    ("append_ratio", lambda r: r["append"]["append_ratio"], ">=", 0.5),
    ("replay_ratio", lambda r: r["replay"]["replay_ratio"], ">=", 0.4),
    ("abort_p99_ms_burst", lambda r: r["abort"]["burst"]["p99_ms"], "<", 100.0),
    ("abort_p99_ms_steady", lambda r: r["abort"]["steady"]["p99_ms"], "<", 100.0),
    ("rss_kb_per_rollout", lambda r: r["memory"]["kb_per_rollout"], "<=", 50.0),
)
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
NOTES = {
    "abort_p99_ms_burst": "every abort published at once",
    "abort_p99_ms_steady": "aborts spread at a steady rate (see abort.steady.rate_per_s)",
    "rss_kb_per_rollout": "controller state only; `serve` also keeps a projection "
    "(memory.serve_kb_per_rollout)",
}


def evaluate_targets(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    targets = {}
    for name, value_of, comparison, bound in CHECKS:
        value = value_of(result)
        entry: dict[str, Any] = {
            "target": f"{comparison} {bound:g}",
            "value": value,
            "met": _COMPARE[comparison](value, bound),
        }
        if name in NOTES:
            entry["note"] = NOTES[name]
        targets[name] = entry
    return targets
