"""Splitting a Go template into text and actions, and an action into tokens.

The rules are Go's text/template ones: `{{- ` trims the whitespace before an action and ` -}}`
the whitespace after it (the dash must be separated from the action by a space), `{{/* */}}` is
a comment, and a `}}` inside a quoted string does not end an action.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from adapters.notify.gotemplate.errors import TemplateError

TokenKind = Literal[
    "field",
    "variable",
    "dot",
    "ident",
    "number",
    "string",
    "char",
    "declare",
    "assign",
    "pipe",
    "lparen",
    "rparen",
    "comma",
]

_SPACE = " \t\r\n"
_TOKEN = re.compile(
    r"""
    (?P<space>[ \t\r\n]+)
  | (?P<declare>:=)
  | (?P<assign>=)
  | (?P<pipe>\|)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<comma>,)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<char>'(?:[^'\\\n]|\\.[^']*)')
  | (?P<number>[+-]?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+
        |(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?))
  | (?P<field>(?:\.[A-Za-z_][A-Za-z0-9_]*)+)
  | (?P<variable>\$[A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<dot>\.)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Segment:
    """Literal text (`action` None) or one action's tokens, with the line it starts on."""

    text: str
    tokens: tuple[Token, ...] | None
    line: int


def split(source: str) -> list[Segment]:
    segments: list[Segment] = []
    position, trim_next = 0, False
    while True:
        opening = source.find("{{", position)
        text = source[position:] if opening < 0 else source[position:opening]
        if trim_next:
            text = text.lstrip(_SPACE)
        if opening < 0:
            if text:
                segments.append(Segment(text, None, _line(source, position)))
            return segments
        body_start = opening + 2
        if source.startswith("-", body_start) and source[body_start + 1 : body_start + 2] in _SPACE:
            text = text.rstrip(_SPACE)
            body_start += 1
        if text:
            segments.append(Segment(text, None, _line(source, position)))
        closing = _closing(source, body_start)
        body_end, position = closing, closing + 2
        trim_next = closing >= 2 and source[closing - 1] == "-" and source[closing - 2] in _SPACE
        if trim_next:
            body_end -= 1
        line = _line(source, opening)
        body = source[body_start:body_end]
        if not _is_comment(body, line):
            segments.append(Segment("", tokenize(body, line), line))


def _line(source: str, index: int) -> int:
    return source.count("\n", 0, index) + 1


def _closing(source: str, start: int) -> int:
    """Where the `}}` ending the action that starts at `start` is, skipping quoted text."""
    index = start
    if source[start:].lstrip(_SPACE).startswith("/*"):
        end = source.find("*/", start)
        if end < 0:
            raise TemplateError(f"line {_line(source, start)}: unclosed comment")
        index = end + 2
    quote = ""
    while index < len(source):
        char = source[index]
        if quote:
            if char == "\\" and quote != "`":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "\"'`":
            quote = char
        elif source.startswith("}}", index):
            return index
        index += 1
    raise TemplateError(f"line {_line(source, start)}: unclosed action")


def _is_comment(body: str, line: int) -> bool:
    stripped = body.strip(_SPACE)
    if not stripped.startswith("/*"):
        return False
    if not stripped.endswith("*/"):
        raise TemplateError(f"line {line}: comment ends before the closing delimiter")
    return True


def tokenize(body: str, line: int) -> tuple[Token, ...]:
    tokens: list[Token] = []
    position = 0
    while position < len(body):
        match = _TOKEN.match(body, position)
        if match is None:
            raise TemplateError(f"line {line}: unexpected {body[position]!r} in action")
        kind = match.lastgroup or ""
        position = match.end()
        if kind == "space":
            continue
        kind = "string" if kind == "raw" else kind
        tokens.append(Token(kind, match.group(), match.start(), match.end()))  # type: ignore[arg-type]
    if not tokens:
        raise TemplateError(f"line {line}: missing value for command")
    return tuple(tokens)
