r"""Regular expressions of conditions: RE2, which is what Go's regexp (and so Argo) implements.

Python's `re` backtracks: `'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!' matches '^(a+)+$'` runs for tens of
seconds there, and it accepts patterns Go refuses (backreferences, lookaround). RE2 matches in
time linear in the text, and its syntax is Go's: same classes, flags, `\Q...\E`, repetition
limit of 1000. Go rejects `\C` (any byte), which RE2 accepts, so it is refused here as well.

Patterns are compiled once (an LRU cache; literal patterns are bound at compile time), and the
work of one match is charged as text bytes times program size, the cost of RE2's (and Go's)
NFA in the worst case.
"""

from __future__ import annotations

from functools import lru_cache

import re2
from re2 import _re2

from rollouts.analysis.expr.errors import ConditionTypeError

UNITS_PER_STEP = 4  # text bytes x program instructions counted as one step of the budget
_SYNTAX = "conditions use Go's RE2 syntax: no backreferences, no lookaround"


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # RE2 would print refused patterns to stderr
    options.never_capture = True  # a yes/no match needs no groups, and runs on the fast DFA
    return options


_OPTIONS = _options()
_UNANCHORED = _re2.RE2.Anchor.UNANCHORED
_ANCHOR_BOTH = _re2.RE2.Anchor.ANCHOR_BOTH
_NO_MATCH = (-1, -1)


class Pattern:
    """One compiled pattern; `search` is Go's MatchString (anywhere in the text)."""

    __slots__ = ("_program", "size", "text")

    def __init__(self, text: str) -> None:
        if "\\C" in text.replace("\\\\", ""):
            raise _invalid(text, "invalid escape sequence: \\C")
        program = _re2.RE2(utf8(text), _OPTIONS)
        if not program.ok():
            raise _invalid(text, program.error().decode("utf-8", "replace"))
        self.text = text
        self.size = int(program.ProgramSize())
        self._program = program

    def cost(self, subject: bytes) -> int:
        """Steps charged for matching against `subject` (its UTF-8 bytes)."""
        return (len(subject) + 1) * self.size // UNITS_PER_STEP + 1

    def search(self, subject: bytes) -> bool:
        return bool(self._program.Match(_UNANCHORED, subject, 0, len(subject))[0] != _NO_MATCH)

    def fullmatch(self, subject: bytes) -> bool:
        return bool(self._program.Match(_ANCHOR_BOTH, subject, 0, len(subject))[0] != _NO_MATCH)


def _invalid(pattern: str, reason: str) -> ConditionTypeError:
    return ConditionTypeError(f"invalid regular expression {pattern!r}: {reason} ({_SYNTAX})")


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> Pattern:
    """The compiled pattern, cached by text; a pattern RE2/Go refuses is a ConditionTypeError."""
    return Pattern(pattern)


def utf8(text: str) -> bytes:
    """UTF-8 bytes; a lone surrogate (possible in JSON data) becomes U+FFFD, as Go decodes it."""
    try:
        return text.encode()
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode()


def fullmatch(pattern: Pattern, text: str) -> bool:
    return pattern.fullmatch(utf8(text))
