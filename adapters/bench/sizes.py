"""Where a rollout's state spends its bytes: a deep size per `RolloutState` field.

Sizes are approximate (what `sys.getsizeof` reports for every object reachable from a field,
each counted once in the whole sample, so a spec or template that states share is spread over
them, as it is in memory); objects every state shares (types, enum members, None, small
ints) are left out, as they cost nothing per rollout.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence
from enum import Enum
from types import BuiltinFunctionType, FunctionType, MethodType, ModuleType

from rollouts.state import RolloutState

_SHARED = (type, ModuleType, FunctionType, MethodType, BuiltinFunctionType, Enum, bool)


def deep_size(root: object, seen: set[int]) -> int:
    total = 0
    stack = [root]
    while stack:
        item = stack.pop()
        if id(item) in seen or item is None or isinstance(item, _SHARED):
            continue
        seen.add(id(item))
        total += sys.getsizeof(item)
        stack.extend(gc.get_referents(item))
    return total


def field_sizes(states: Sequence[RolloutState]) -> dict[str, int]:
    """Mean bytes per state for each field (largest first), plus `total` and `object`, the
    model's own instance and attribute dict."""
    if not states:
        return {}
    sums: dict[str, int] = {}
    seen: set[int] = set()
    for state in states:
        own = deep_size(state, {id(getattr(state, f)) for f in type(state).model_fields})
        sums["object"] = sums.get("object", 0) + own
        for field in type(state).model_fields:
            sums[field] = sums.get(field, 0) + deep_size(getattr(state, field), seen)
    means = {field: round(total / len(states)) for field, total in sums.items()}
    ranked = dict(sorted(means.items(), key=lambda item: -item[1]))
    return {"total": sum(ranked.values()), **{k: v for k, v in ranked.items() if v}}
