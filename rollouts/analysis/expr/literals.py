"""Decoding of literal tokens exactly as expr-lang's lexer and parser do it."""

from __future__ import annotations

import math
import re

from rollouts.analysis.expr.errors import ConditionSyntaxError
from rollouts.analysis.expr.values import INT64_MAX

_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "`": "`",
    "?": "?",
}
_ESCAPE = re.compile(
    r"\\(?:[xX]([0-9a-fA-F]{2})|u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})"
    r"|U([0-9a-fA-F]{8})|([0-3][0-7]{2})|(.)|$)",
    re.DOTALL,
)
_INT_BASES = {"0x": 16, "0o": 8, "0b": 2}


def decode_string(token: str, line: int, column: int) -> str:
    """Unquote a '...' or "..." literal, resolving Go/expr escapes; bad escapes are errors."""
    body = token[1:-1].replace("\r\n", "\n").replace("\r", "\n")

    def replace(match: re.Match[str]) -> str:
        hex_byte, braced, short, long, octal, simple = match.groups()
        if simple is not None:
            if simple in _SIMPLE_ESCAPES:
                return _SIMPLE_ESCAPES[simple]
            raise ConditionSyntaxError(
                f"invalid escape sequence \\{simple} in string", line, column
            )
        if octal is not None:
            return chr(int(octal, 8))
        digits = hex_byte or braced or short or long
        if digits is None:
            raise ConditionSyntaxError("string ends with a lone backslash", line, column)
        code = int(digits, 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise ConditionSyntaxError(f"invalid unicode escape \\u{digits}", line, column)
        return chr(code)

    return _ESCAPE.sub(replace, body)


def decode_int(token: str, line: int, column: int) -> int:
    text = token.replace("_", "").lower()
    base = _INT_BASES.get(text[:2], 10)
    digits = text[2:] if base != 10 else text
    try:
        value = int(digits, base)
    except ValueError:
        raise ConditionSyntaxError(f"invalid integer literal {token!r}", line, column) from None
    if value > INT64_MAX:
        raise ConditionSyntaxError(f"integer literal {token} is too large", line, column)
    return value


def decode_float(token: str, line: int, column: int) -> float:
    value = float(token.replace("_", ""))
    if math.isinf(value):
        raise ConditionSyntaxError(f"float literal {token} is too large", line, column)
    return value
