"""Errors of the condition language.

Every failure to compile or evaluate a condition is one of these, never a bare Python
exception: the analysis controller turns any of them into an `Error` measurement whose message
is shown to the user, so the message must say what was wrong (which name, which types, where).
They are also `DomainError`s, so the CLI reports a bad condition like any other refusal.
"""

from __future__ import annotations

from rollouts.errors import DomainError


class ConditionError(DomainError, ValueError):
    """Base of every condition-language failure."""


class ConditionSyntaxError(ConditionError):
    """The text is not a well-formed expression; the message carries line and column."""

    def __init__(
        self,
        message: str,
        line: int | None = None,
        column: int | None = None,
        context: str = "",
    ) -> None:
        where = f" (line {line}, column {column})" if line is not None else ""
        super().__init__(f"{message}{where}")
        self.line = line
        self.column = column
        self.context = context  # the source line with a caret under the offending token


class ConditionNameError(ConditionError):
    """An identifier or function that does not exist; only `result` is a free name."""


class ConditionTypeError(ConditionError):
    """An operand or argument the operation cannot take.

    Covers type mismatches (`nil < 0.5`, `1.0 == "a"`) and values of the right type that are
    still unusable (index out of range, integer division by zero, a string asInt cannot parse).
    """


class ConditionResultError(ConditionError):
    """The expression evaluated, but not to a bool (`expected bool, but got int`)."""


class ConditionLimitError(ConditionError):
    """The condition exceeds a limit: its size, or the work budget of one evaluation."""


class ConditionTooLargeError(ConditionSyntaxError, ConditionLimitError):
    """The text or its syntax tree is over a static limit (length, tokens, nodes, depth).

    Both a compile-time refusal (like a syntax error, found before any data) and a limit, so a
    caller catching either kind sees it; `rollouts lint` reports it up front.
    """
