"""encoding/json's output for template data: what sprig's `toJson` and `toPrettyJson` print.

Go sorts map keys, escapes `<`, `>` and `&` (HTML-safe by default), writes integral floats
without a fraction and uses exponents only outside [1e-6, 1e21).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from adapters.notify.gotemplate.errors import TemplateError
from adapters.notify.gotemplate.gotime import GoTime
from adapters.notify.gotemplate.values import MISSING, GoFunction, json_float

_HTML_SAFE = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def quote(text: str) -> str:
    encoded = json.dumps(text, ensure_ascii=False)
    for char, escape in _HTML_SAFE.items():
        encoded = encoded.replace(char, escape)
    return encoded


def encode(value: object, indent: str = "", level: int = 0) -> str:
    if value is None or value is MISSING:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return json_float(value)
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, GoTime):
        return quote(value.format("2006-01-02T15:04:05.999999999Z07:00"))
    if isinstance(value, Mapping):
        keys = sorted(value, key=str)
        entries = [(f"{quote(str(k))}:{_space(indent)}", value[k]) for k in keys]
        return _container("{}", entries, indent, level)
    if isinstance(value, Sequence):
        return _container("[]", [("", item) for item in value], indent, level)
    if isinstance(value, GoFunction):
        raise TemplateError("json: unsupported type: func")
    raise TemplateError(f"json: unsupported type: {type(value).__name__}")


def _space(indent: str) -> str:
    return " " if indent else ""


def _container(brackets: str, entries: list[tuple[str, object]], indent: str, level: int) -> str:
    if not entries:
        return brackets
    parts = [label + encode(item, indent, level + 1) for label, item in entries]
    if not indent:
        return brackets[0] + ",".join(parts) + brackets[1]
    inner = "\n" + indent * (level + 1)
    return brackets[0] + inner + ("," + inner).join(parts) + "\n" + indent * level + brackets[1]
