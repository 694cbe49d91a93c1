"""A measurement value as Argo stores it: the string in `measurement.value`.

Users read these strings in `kubectl argo rollouts get` and in notifications, so they must look
like Argo's: Go's shortest float text (`10`, `0.08`, `NaN`, `+Inf`), a list of numbers as
`[10,11]`, a decoded JSON document as compact JSON with sorted keys (Go's encoding/json), a raw
string (a web body that is not JSON) as it is, and no value at all as "".

A Web metric's JSONPath match is recorded as Argo's webmetric records it, `json.Marshal(val)`
(`go_json_text`): a JSON string keeps its quotes, so `"1"` and `1` stay distinguishable. The web
provider marks such values with `metadata[VALUE_ENCODING] == JSON_ENCODED`.
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


VALUE_ENCODING = "valueEncoding"
JSON_ENCODED = "json"
_GO_HTML_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def go_json_string(text: str) -> str:
    """A string as Go's json.Marshal writes it: UTF-8 kept, `<`, `>`, `&`, U+2028 and U+2029
    escaped (Go's HTML-safe default)."""
    encoded = json.dumps(text, ensure_ascii=False)
    return "".join(_GO_HTML_ESCAPES.get(ch, ch) for ch in encoded)


def go_json_float(number: float) -> str:
    """A float64 as Go's json.Marshal writes it: `f` format, `e` below 1e-6 or from 1e21 on
    (`1e-7`, `1e+21`, Go's exponent without a leading zero)."""
    if number != 0 and (abs(number) < 1e-6 or abs(number) >= 1e21):
        mantissa, _, exponent = repr(float(number)).partition("e")
        sign, digits = exponent[0], exponent[1:].lstrip("0") or "0"
        return f"{mantissa}e{sign}{digits.zfill(2) if sign == '+' else digits}"
    return go_float_text(number)


def go_json_text(value: object) -> str:
    """`json.Marshal(value)` of a decoded JSON value (objects with sorted keys, as Go's maps)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_json_float(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return go_json_string(value)
    if isinstance(value, Mapping):
        keys = sorted(value, key=str)
        return (
            "{" + ",".join(f"{go_json_string(str(k))}:{go_json_text(value[k])}" for k in keys) + "}"
        )
    if isinstance(value, list | tuple):
        return "[" + ",".join(go_json_text(item) for item in value) + "]"
    return go_json_string(str(value))
