"""Raw values the way Argo's Go code sees and records them.

Go decodes JSON numbers into float64, refuses `NaN`/`Infinity` in JSON, and formats floats with
`strconv.FormatFloat(v, 'f', -1, 64)` (`10`, `0.08`, `NaN`, `+Inf`). Matching this keeps condition
expressions and recorded values identical to what an Argo user sees.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from rollouts.analysis.value_text import go_float_text, value_text

__all__ = ["epoch_seconds", "go_float_text", "loads_like_go", "value_text"]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid character {name[0]!r} looking for beginning of value")


def loads_like_go(text: str | bytes) -> Any:
    """Decode JSON into what Go's `json.Unmarshal(&any)` yields: every number a float."""
    return json.loads(text, parse_int=float, parse_constant=_reject_constant)


def epoch_seconds(moment: datetime) -> float:
    """Unix time of `moment`; a naive datetime is taken to be UTC (the controller's clock is)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
