"""Raw values the way Argo's Go code sees and records them.

Go decodes JSON numbers into float64, refuses `NaN`/`Infinity` in JSON, and formats floats with
`strconv.FormatFloat(v, 'f', -1, 64)` (`10`, `0.08`, `NaN`, `+Inf`). Matching this keeps condition
expressions and recorded values identical to what an Argo user sees.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any


def go_float_text(number: float) -> str:
    """`strconv.FormatFloat(number, 'f', -1, 64)`: shortest round-trip digits, never exponents."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    text = format(Decimal(repr(float(number))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def value_text(value: Any) -> str:
    """The measurement value as Argo stores it in `measurement.value` (a string)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence) and all(_is_number(item) for item in value):
        return "[" + ",".join(_scalar_text(item) for item in value) + "]"
    return _json_text(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float_text(value)
    return str(value)


def _json_text(value: Any) -> str:
    """Compact JSON with sorted keys, as Go's encoding/json writes a decoded value."""
    if isinstance(value, Mapping):
        items = (f"{json.dumps(str(k))}:{_json_text(value[k])}" for k in sorted(value, key=str))
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_json_text(item) for item in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool | int | float):
        return _scalar_text(value)
    return json.dumps(str(value))


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
