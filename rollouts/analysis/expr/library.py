"""The function names a condition may call, with their arity and static result kind.

Argo's environment adds asInt, asFloat, isNaN, isInf, isNil and default to expr-lang's
builtins. isNil and default read `result` directly (they ignore their first argument, an Argo
quirk), so the compiler builds them itself; everything here is a plain function of its values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from rollouts.analysis.expr import collection_builtins as coll
from rollouts.analysis.expr import numeric_builtins as num
from rollouts.analysis.expr.costs import (
    FORMAT_STEPS,
    Cost,
    deep_cost,
    flat_cost,
    join_cost,
    no_cost,
    sort_cost,
)
from rollouts.analysis.expr.values import BOOL, FLOAT, INT, LIST, STRING, Kind

VARIADIC = -1


class Builtin(NamedTuple):
    fn: Callable[..., object]
    min_args: int
    max_args: int
    kind: Kind
    cost: Cost = no_cost  # charged to the evaluation's step budget before the call


_WALK = deep_cost(2)
BUILTINS: dict[str, Builtin] = {
    "len": Builtin(coll.length, 1, 1, INT),
    "abs": Builtin(num.absolute, 1, 1, None),
    "ceil": Builtin(num.ceil, 1, 1, FLOAT),
    "floor": Builtin(num.floor, 1, 1, FLOAT),
    "round": Builtin(num.round_half_away, 1, 1, FLOAT),
    "int": Builtin(num.to_int, 1, 1, INT, flat_cost),
    "float": Builtin(num.to_float, 1, 1, FLOAT, flat_cost),
    "string": Builtin(coll.to_string, 1, 1, STRING, deep_cost(FORMAT_STEPS)),
    "upper": Builtin(coll.upper, 1, 1, STRING, flat_cost),
    "lower": Builtin(coll.lower, 1, 1, STRING, flat_cost),
    "trim": Builtin(coll.trim, 1, 2, STRING, flat_cost),
    "split": Builtin(coll.split, 2, 3, LIST, flat_cost),
    "join": Builtin(coll.join, 1, 2, STRING, join_cost),
    "keys": Builtin(coll.keys, 1, 1, LIST, flat_cost),
    "values": Builtin(coll.values, 1, 1, LIST, flat_cost),
    "first": Builtin(coll.first, 1, 1, None),
    "last": Builtin(coll.last, 1, 1, None),
    "sort": Builtin(coll.sort, 1, 2, LIST, sort_cost),
    "max": Builtin(num.maximum, 1, VARIADIC, None, _WALK),
    "min": Builtin(num.minimum, 1, VARIADIC, None, _WALK),
    "mean": Builtin(num.mean, 1, VARIADIC, FLOAT, _WALK),
    "median": Builtin(num.median, 1, VARIADIC, FLOAT, deep_cost(3)),
    "asInt": Builtin(num.as_int, 1, 1, INT, flat_cost),
    "asFloat": Builtin(num.as_float, 1, 1, FLOAT, flat_cost),
    "isNaN": Builtin(num.is_nan, 1, 1, BOOL),
    "isInf": Builtin(num.is_inf, 1, 1, BOOL),
}

RESULT_HELPERS = frozenset({"isNil", "default"})

# Predicate builtins: name -> (minimum, maximum) argument count, the predicate being the second.
PREDICATES: dict[str, tuple[int, int]] = {
    "all": (2, 2),
    "any": (2, 2),
    "none": (2, 2),
    "one": (2, 2),
    "filter": (2, 2),
    "map": (2, 2),
    "find": (2, 2),
    "count": (1, 2),
    "sum": (1, 2),
}

# expr-lang builtins this evaluator does not provide; naming them gives a clear refusal.
UNSUPPORTED = frozenset(
    {
        "type", "trimPrefix", "trimSuffix", "splitAfter", "replace", "repeat", "indexOf",
        "lastIndexOf", "hasPrefix", "hasSuffix", "toJSON", "fromJSON", "toBase64", "fromBase64",
        "now", "duration", "date", "timezone", "get", "take", "toPairs", "fromPairs", "reverse",
        "uniq", "concat", "flatten", "findIndex", "findLast", "findLastIndex", "groupBy",
        "sortBy", "reduce", "bitand", "bitor", "bitxor", "bitnand", "bitnot", "bitshl", "bitshr",
        "bitushr",
    }
)  # fmt: skip


def is_function(name: str) -> bool:
    return name in BUILTINS or name in RESULT_HELPERS or name in PREDICATES
