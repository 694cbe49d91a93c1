"""A measurement value as Argo stores it: the string in `measurement.value`.

Users read these strings in `kubectl argo rollouts get` and in notifications, so they must look
like Argo's: Go's shortest float text (`10`, `0.08`, `NaN`, `+Inf`), a list of numbers as
`[10,11]`, a decoded JSON document as compact JSON with sorted keys (Go's encoding/json), a raw
string (a web body that is not JSON) as it is, and no value at all as "".
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from decimal import Decimal


def go_float_text(number: float) -> str:
    """`strconv.FormatFloat(number, 'f', -1, 64)`: shortest round-trip digits, no exponent."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    text = format(Decimal(repr(float(number))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def value_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple) and all(_is_number(item) for item in value):
        return "[" + ",".join(_scalar_text(item) for item in value) + "]"
    return _json_text(value)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _scalar_text(value: bool | int | float) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float_text(value)
    return str(value)


def _json_text(value: object) -> str:
    if isinstance(value, Mapping):
        keys = sorted(value, key=str)
        return "{" + ",".join(f"{json.dumps(str(k))}:{_json_text(value[k])}" for k in keys) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_json_text(item) for item in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool | int | float):
        return _scalar_text(value)
    return json.dumps(str(value))
