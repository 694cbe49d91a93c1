"""What builtins and operators charge to the step budget before they run.

A charge is proportional to the work the operation will do on its operands: elements visited
(deeply, for operations that recurse into nested lists such as `string()` or `==`), characters
scanned (one step per `CHARS_PER_ELEMENT`), comparisons for a sort. It is computed before the
operation runs, so an operation over budget is refused without being attempted; measuring a
nested value stops as soon as it passes what is left of the budget.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from rollouts.analysis.expr.errors import ConditionLimitError
from rollouts.analysis.expr.scope import CHARS_PER_ELEMENT, MAX_STRING_LENGTH, Scope

Cost = Callable[[Scope, Sequence[object]], None]
_SCALAR_TYPES = frozenset({int, float, str, bool, type(None)})
ITERATION_STEPS = 3  # one node of a predicate, evaluated once per element of its list
CALL_WORK = 4  # a builtin call weighs as much as this many plain nodes in a predicate
FORMAT_STEPS = 24  # string() of one element (Go's float formatting is the slow part)
MAX_DATA_DEPTH = 100  # nesting of lists/maps an operation may walk (JSON results are shallow)
SORT_STEPS = 2  # one comparison of a sort (numbers or strings: Python's own sort)
EQUAL_STEPS = 6  # one element of `==` between lists or maps, with Go's typed equality
MEMBER_STEPS = 4  # one element `in` compares the needle with


def deep_size(value: object, cap: int) -> int:
    """Elements in `value`, nested lists and maps included; stops counting past `cap`.

    Data nested deeper than `MAX_DATA_DEPTH` is refused here: the operation that walks it
    recursively (formatting, equality) would exhaust Python's stack.
    """
    if isinstance(value, str):
        return len(value) // CHARS_PER_ELEMENT + 1
    if not isinstance(value, list | tuple | dict):
        return 1
    total = 0
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > MAX_DATA_DEPTH:
            raise ConditionLimitError(
                f"the data is too deeply nested to evaluate (over {MAX_DATA_DEPTH} levels)"
            )
        items = list(current.values()) if isinstance(current, dict) else current
        total += len(items) + 1  # type: ignore[arg-type]
        if total > cap:
            break
        stack.extend((item, depth + 1) for item in _containers(items))  # type: ignore[arg-type]
    return total


def _containers(items: Sequence[object]) -> Sequence[object]:
    """The lists and maps among `items`; a flat list is recognised at C speed by its types."""
    kinds = set(map(type, items))
    if kinds <= _SCALAR_TYPES:
        return ()
    return [item for item in items if isinstance(item, list | tuple | dict)]


def charge_deep(scope: Scope, value: object, factor: int = 1) -> None:
    scope.spend(deep_size(value, scope.steps // factor + 1) * factor)


def flat_cost(scope: Scope, args: Sequence[object]) -> None:
    """Builtins that look at each argument once: strings by length, lists by item count."""
    steps = 1
    for arg in args:
        if isinstance(arg, str):
            steps += len(arg) // CHARS_PER_ELEMENT
        elif isinstance(arg, list | tuple | dict):
            steps += len(arg)
    scope.spend(steps)


def deep_cost(factor: int) -> Cost:
    """Builtins that walk nested arguments (`string`, `max`, `mean`...)."""

    def charge(scope: Scope, args: Sequence[object]) -> None:
        for arg in args:
            charge_deep(scope, arg, factor)

    return charge


def join_cost(scope: Scope, args: Sequence[object]) -> None:
    """`join` must fit the string limit, checked before the string is built."""
    flat_cost(scope, args)
    items, glue = args[0], args[1] if len(args) > 1 else ""
    if isinstance(items, list | tuple) and isinstance(glue, str):
        length = sum(len(item) for item in items if isinstance(item, str))
        _check_length(length + len(glue) * max(0, len(items) - 1))


def _check_length(length: int) -> None:
    if length > MAX_STRING_LENGTH:
        raise ConditionLimitError(
            f"evaluation builds a string of {length} characters, "
            f"more than the limit of {MAX_STRING_LENGTH}"
        )


def sort_cost(scope: Scope, args: Sequence[object]) -> None:
    items = args[0] if args else None
    if isinstance(items, list | tuple):
        count = len(items)
        scope.spend(count * max(1, math.ceil(math.log2(count + 1))) * SORT_STEPS)


def no_cost(scope: Scope, args: Sequence[object]) -> None:
    """O(1) builtins (len, first, abs...) are paid for by the node that calls them."""


def concat_cost(scope: Scope, left: object, right: object) -> None:
    """`a + b` on strings: the new string must fit the string limit."""
    if isinstance(left, str) and isinstance(right, str):
        length = len(left) + len(right)
        _check_length(length)
        scope.allocate(length // CHARS_PER_ELEMENT + 1)


def scan_cost(scope: Scope, left: object, right: object) -> None:
    """Comparisons and substring tests: strings by length, collections deeply."""
    if isinstance(left, str) and isinstance(right, str):
        scope.spend((len(left) + len(right)) // CHARS_PER_ELEMENT + 1)
    elif isinstance(left, list | tuple | dict) and isinstance(right, list | tuple | dict):
        charge_deep(scope, left, EQUAL_STEPS)


def member_cost(scope: Scope, needle: object, haystack: object) -> None:
    """`x in list` compares x with every element."""
    if isinstance(haystack, list | tuple):
        per_item = deep_size(needle, scope.steps + 1) * MEMBER_STEPS
        scope.spend(len(haystack) * per_item + 1)
