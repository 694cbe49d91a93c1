"""Strategic merge patches, as `kubectl apply` sends them for built-in kinds.

kubectl computes a three-way patch from the last-applied annotation and sends directives a
JSON merge patch does not know: list elements merged by a key (`ports` by `port`, `containers`
by `name`), `{"$patch": "delete", "port": 80}` to remove one, `$setElementOrder/<list>` to
keep the manifest's order, `$retainKeys`, `$deleteFromPrimitiveList/<list>` and
`"$patch": "replace"`. Merged as a plain merge patch, those directives would be stored in the
object (the fake did that until kubectl showed it). The merge keys are those of the built-in
types' fields, by field name (the real server reads them from the Go types); a list whose field
has none is replaced, as the server does for atomic lists.
"""

from __future__ import annotations

import copy
from typing import Any

MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "conditions": "type",
    "ownerReferences": "uid",
    "hostAliases": "ip",
    "topologySpreadConstraints": "topologyKey",
}
SET_LISTS = ("finalizers",)
"""Primitive lists the server merges as sets."""
ORDER, DELETE_PRIMITIVES = "$setElementOrder/", "$deleteFromPrimitiveList/"


def strategic_merge(target: Any, patch: Any) -> Any:
    """`target` with `patch` applied; None when the patch deletes it (`$patch: delete`)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    directive = patch.get("$patch")
    if directive == "delete":
        return None
    if directive == "replace":
        return _plain(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith(DELETE_PRIMITIVES):
            name = key.removeprefix(DELETE_PRIMITIVES)
            result[name] = [item for item in result.get(name) or [] if item not in value]
        elif key.startswith("$"):
            continue
        elif isinstance(value, list):
            result[key] = _merge_list(key, result.get(key), value)
        elif (merged := strategic_merge(result.get(key), value)) is None:
            result.pop(key, None)
        else:
            result[key] = merged
    for key, order in patch.items():
        name = key.removeprefix(ORDER)
        if key.startswith(ORDER) and isinstance(result.get(name), list):
            result[name] = _ordered(name, result[name], order)
    if isinstance(patch.get("$retainKeys"), list):
        result = {key: value for key, value in result.items() if key in patch["$retainKeys"]}
    return result


def _plain(value: Any) -> Any:
    """A value without directive keys."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if not k.startswith("$")}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return copy.deepcopy(value)


def merge_key(field: str, elements: list[Any]) -> str | None:
    if field == "ports":
        keyed = [e for e in elements if isinstance(e, dict) and "containerPort" in e]
        return "containerPort" if keyed else "port"
    return MERGE_KEYS.get(field)


def _merge_list(field: str, current: Any, patch: list[Any]) -> list[Any]:
    existing = list(current) if isinstance(current, list) else []
    if field in SET_LISTS:
        return existing + [item for item in patch if item not in existing]
    key = merge_key(field, patch + existing)
    if key is None or {"$patch": "replace"} in patch:
        return [_plain(item) for item in patch if item != {"$patch": "replace"}]
    items = [copy.deepcopy(item) for item in existing]
    for element in patch:
        if not isinstance(element, dict):
            continue
        index = next((i for i, item in enumerate(items) if item.get(key) == element.get(key)), None)
        if element.get("$patch") == "delete":
            if index is not None:
                del items[index]
        elif index is None:
            items.append(_plain(element))
        else:
            items[index] = strategic_merge(items[index], element)
    return items


def _ordered(field: str, items: list[Any], order: Any) -> list[Any]:
    """`items` in the order `$setElementOrder` gives; others after, as they were."""
    if not isinstance(order, list):
        return items
    key = merge_key(field, order + items)
    if key is None:
        return [item for item in order if item in items] + [i for i in items if i not in order]
    wanted = [entry.get(key) for entry in order if isinstance(entry, dict)]
    first = [item for value in wanted for item in items if item.get(key) == value]
    return first + [item for item in items if item.get(key) not in wanted]
