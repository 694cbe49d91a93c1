"""Binary operators whose work grows with their operands, and what each charges first.

`==` on two lists compares them element by element, `in` scans a list, `+` builds a new string,
`contains`/`<` scan strings and `matches` runs a regular expression: each charges its work to the
evaluation's budget before running. Where a side's static kind is a number, bool or nil the
operation is constant-time (or a type error), so no charge is compiled in and the common
`result[0] < 0.01` pays nothing for the budget.
"""

from __future__ import annotations

from collections.abc import Callable

from rollouts.analysis.expr.compiling import Evaluator
from rollouts.analysis.expr.costs import concat_cost, member_cost, scan_cost
from rollouts.analysis.expr.operators import BINARY, mismatch
from rollouts.analysis.expr.regex import compile_pattern, utf8
from rollouts.analysis.expr.scope import Scope
from rollouts.analysis.expr.values import BOOL, FLOAT, INT, NIL, Kind

Charge = Callable[[Scope, object, object], None]

_SCALARS = frozenset({INT, FLOAT, BOOL, NIL})
_CHARGES: dict[str, Charge] = {
    "+": concat_cost,
    "==": scan_cost,
    "!=": scan_cost,
    "<": scan_cost,
    "<=": scan_cost,
    ">": scan_cost,
    ">=": scan_cost,
    "contains": scan_cost,
    "startsWith": scan_cost,
    "endsWith": scan_cost,
}


def charge_for(op: str, left: Kind, right: Kind) -> Charge | None:
    """The charge `left op right` needs at run time, or None when it is constant-time."""
    if op == "in":
        return member_cost
    charge = _CHARGES.get(op)
    if charge is None or left in _SCALARS or right in _SCALARS:
        return None
    return charge


def compile_charged(
    op: str, left: Evaluator, right: Evaluator, charge: Charge, negate: bool
) -> Evaluator:
    apply = BINARY[op]

    def run(scope: Scope) -> object:
        left_value, right_value = left(scope), right(scope)
        charge(scope, left_value, right_value)
        value = apply(left_value, right_value)
        return (not value) if negate else value

    return run


def compile_matches(
    left: Evaluator, right: Evaluator, literal: str | None, negate: bool
) -> Evaluator:
    """`text matches pattern`: a literal pattern is compiled (and checked) once, here."""
    fixed = compile_pattern(literal) if literal is not None else None

    def run(scope: Scope) -> bool:
        text, pattern = left(scope), right(scope)
        if not (isinstance(text, str) and isinstance(pattern, str)):
            raise mismatch("matches", text, pattern)
        compiled = fixed or compile_pattern(pattern)
        subject = utf8(text)
        scope.spend(compiled.cost(subject))
        return compiled.search(subject) is not negate

    return run
