"""Predicate builtins (`all(result, # > 1)` and friends) as loops over a list.

Inside the predicate `#` is the current element and `#index` its position; nesting restores
the outer element afterwards. The list must be an array: expr fails on nil or a map, which is
what makes `all(result, # < 1)` an error (not vacuously true) when the provider returned nil.
A loop is charged before it starts: its length times the predicate's weight (the nodes one
iteration evaluates), so nested loops over large lists are refused after a bounded amount of
work. `map` and `filter` also charge the list they build to the memory budget.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from rollouts.analysis.expr.errors import ConditionTypeError
from rollouts.analysis.expr.operators import add
from rollouts.analysis.expr.scope import Scope
from rollouts.analysis.expr.values import BOOL, INT, LIST, Kind, describe

Evaluator = Callable[[Scope], object]
_Builder = Callable[[str, Evaluator, Evaluator, int], Evaluator]


def _elements(name: str, value: object) -> Sequence[object]:
    if isinstance(value, list | tuple):
        return value
    raise ConditionTypeError(f"{name}() needs an array, got {describe(value)}")


def _truth(name: str, value: object) -> bool:
    if value is True or value is False:
        return value
    raise ConditionTypeError(f"the predicate of {name}() must return bool, got {describe(value)}")


def _loop(name: str, scope: Scope, source: Evaluator, weight: int) -> Iterator[object]:
    """The elements of the source list, with `#`/`#index` set; the whole loop paid up front."""
    items = _elements(name, source(scope))
    scope.spend(len(items) * weight + 1)
    outer_item, outer_index = scope.item, scope.index
    try:
        for index, item in enumerate(items):
            scope.item, scope.index = item, index
            yield item
    finally:
        scope.item, scope.index = outer_item, outer_index


def _all(name: str, source: Evaluator, body: Evaluator, weight: int) -> Evaluator:
    def run(scope: Scope) -> bool:
        return all(_truth(name, body(scope)) for _ in _loop(name, scope, source, weight))

    return run


def _any(name: str, source: Evaluator, body: Evaluator, weight: int) -> Evaluator:
    def run(scope: Scope) -> bool:
        return any(_truth(name, body(scope)) for _ in _loop(name, scope, source, weight))

    return run


def _none(name: str, source: Evaluator, body: Evaluator, weight: int) -> Evaluator:
    found = _any(name, source, body, weight)
    return lambda scope: not found(scope)


def _count(name: str, source: Evaluator, body: Evaluator, weight: int) -> Evaluator:
    def run(scope: Scope) -> int:
        return sum(1 for _ in _loop(name, scope, source, weight) if _truth(name, body(scope)))

    return run


def _one(name: str, source: Evaluator, body: Evaluator, weight: int) -> Evaluator:
    counted = _count(name, source, body, weight)
    return lambda scope: counted(scope) == 1


def _filter(name: str, source: Evaluator, body: Evaluator, weight: int) -> Evaluator:
    def run(scope: Scope) -> object:
        kept = [item for item in _loop(name, scope, source, weight) if _truth(name, body(scope))]
        return scope.produced(kept)

    return run


def _map(name: str, source: Evaluator, body: Evaluator, weight: int) -> Evaluator:
    def run(scope: Scope) -> object:
        return scope.produced([body(scope) for _ in _loop(name, scope, source, weight)])

    return run


def _find(name: str, source: Evaluator, body: Evaluator, weight: int) -> Evaluator:
    def run(scope: Scope) -> object:
        for item in _loop(name, scope, source, weight):
            if _truth(name, body(scope)):
                return item
        return None

    return run


def _sum(name: str, source: Evaluator, body: Evaluator, weight: int) -> Evaluator:
    def run(scope: Scope) -> object:
        total: object = 0
        for _ in _loop(name, scope, source, weight):
            total = add(body(scope), total)
        return total

    return run


def _element(scope: Scope) -> object:
    return scope.item


_BUILDERS: dict[str, tuple[_Builder, Kind]] = {
    "all": (_all, BOOL),
    "any": (_any, BOOL),
    "none": (_none, BOOL),
    "one": (_one, BOOL),
    "filter": (_filter, LIST),
    "map": (_map, LIST),
    "find": (_find, None),
    "count": (_count, INT),
    "sum": (_sum, None),
}


def build_predicate(
    name: str, source: Evaluator, body: Evaluator | None, weight: int
) -> tuple[Evaluator, Kind]:
    """`count(list)` and `sum(list)` without a predicate use the elements themselves."""
    builder, kind = _BUILDERS[name]
    return builder(name, source, body or _element, weight), kind
