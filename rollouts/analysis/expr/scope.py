"""The state one evaluation carries: the result, the predicate element, and a work budget.

expr-lang caps the memory an expression may allocate (1e6 units); a condition is user input
evaluated inside the controller, so `map(1..1000000, 1..1000000)` must fail fast instead of
spinning. The budget counts range elements and predicate iterations.
"""

from __future__ import annotations

from rollouts.analysis.expr.errors import ConditionLimitError

WORK_BUDGET = 1_000_000


class Scope:
    __slots__ = ("budget", "index", "item", "result")

    def __init__(self, result: object) -> None:
        self.result = result
        self.item: object = None
        self.index = 0
        self.budget = WORK_BUDGET

    def spend(self, units: int) -> None:
        self.budget -= units
        if self.budget < 0:
            raise ConditionLimitError(
                f"evaluation exceeds the work budget of {WORK_BUDGET} elements "
                "(a range or a loop over predicates is too large)"
            )
