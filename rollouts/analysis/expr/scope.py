"""The state one evaluation carries: the result, the predicate element, and its cost budgets.

expr-lang charges every range, array, map and sort against a memory budget of 1e6 elements
(`conf.DefaultMemoryBudget`) and refuses the program past it. A condition is user input evaluated
inside the controller, so the same idea bounds it here, in counted work rather than wall time
(the core has no clock): every element allocated is charged to `MEMORY_BUDGET`, every element a
loop, builtin or operator visits is charged to `STEP_BUDGET`, no range may exceed `MAX_RANGE` and
no string `MAX_STRING_LENGTH`. The budgets are sized so that a condition spending all of them
still finishes in a few milliseconds of Python (docs/conditions.md has the measurements).
"""

from __future__ import annotations

from rollouts.analysis.expr.errors import ConditionLimitError

STEP_BUDGET = 100_000  # elements visited, iterations times the predicate's size, regex work
MEMORY_BUDGET = 100_000  # elements allocated (list items, map entries, string chars / 16)
MAX_RANGE = 50_000  # elements of one `a..b` range
MAX_STRING_LENGTH = 100_000  # characters of any string the evaluation builds
CHARS_PER_ELEMENT = 16  # a string costs one element (or one step) per this many characters


class Scope:
    __slots__ = ("index", "item", "memory", "result", "steps")

    def __init__(self, result: object) -> None:
        self.result = result
        self.item: object = None
        self.index = 0
        self.steps = STEP_BUDGET
        self.memory = MEMORY_BUDGET

    def spend(self, steps: int) -> None:
        """Charge work before doing it; past the budget the evaluation is refused."""
        self.steps -= steps
        if self.steps < 0:
            raise ConditionLimitError(
                f"evaluation exceeds its budget of {STEP_BUDGET} steps "
                "(loops over large lists, nested predicates, or large string/regex work)"
            )

    def allocate(self, elements: int) -> None:
        self.memory -= elements
        if self.memory < 0:
            raise ConditionLimitError(
                f"evaluation allocates more than its budget of {MEMORY_BUDGET} elements "
                "(ranges, lists, maps and strings it builds)"
            )

    def produced(self, value: object) -> object:
        """Charge a value a builtin or operator just built (list items, string length)."""
        if isinstance(value, str):
            if len(value) > MAX_STRING_LENGTH:
                raise ConditionLimitError(
                    f"evaluation builds a string of {len(value)} characters, "
                    f"more than the limit of {MAX_STRING_LENGTH}"
                )
            self.allocate(len(value) // CHARS_PER_ELEMENT + 1)
        elif isinstance(value, list | dict):
            self.allocate(len(value) + 1)
        return value
