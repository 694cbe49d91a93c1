"""Go literal syntax inside actions: numbers, interpreted and raw strings, rune constants."""

from __future__ import annotations

import re

from adapters.notify.gotemplate.errors import TemplateError

_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    '"': '"',
    "'": "'",
}
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)", re.DOTALL)
_OCTAL = re.compile(r"[+-]?0[0-7_]+")


def number(text: str, line: int) -> int | float:
    cleaned = text.replace("_", "")
    try:
        if _OCTAL.fullmatch(text):
            return int(cleaned, 8)
        if re.fullmatch(r"[+-]?(0[xXbBoO][0-9a-fA-F]+|\d+)", cleaned):
            return int(cleaned, 0)
        return float(cleaned)
    except ValueError:
        raise TemplateError(f"line {line}: bad number syntax: {text!r}") from None


def _escape(match: re.Match[str], line: int) -> str:
    code = match.group(1)
    if code in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[code]
    if code[0] in "xuU":
        return chr(int(code[1:], 16))
    if len(code) == 3 and code.isdigit():
        return chr(int(code, 8))
    raise TemplateError(f"line {line}: unknown escape sequence \\{code}")


def string(text: str, line: int) -> str:
    if text.startswith("`"):
        return text[1:-1]
    return _ESCAPE.sub(lambda match: _escape(match, line), text[1:-1])


def rune(text: str, line: int) -> int:
    value = string(text, line)
    if len(value) != 1:
        raise TemplateError(f"line {line}: malformed character constant: {text}")
    return ord(value)
