"""The merge patch from the status an object has to the status we want, and a fingerprint of a
status we wrote, to recognise our own writes when the watch reports them.

The patch carries only what differs (as Argo's two-way merge patch does), so a field someone
else changed that we do not want changed is left alone. `None` in the wanted status deletes the
key; lists are replaced whole, as a JSON merge patch replaces them. Pure functions: no IO.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from adapters.kubernetes.status.document import MANAGED_KEYS

Obj = dict[str, Any]


def merge_diff(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> Obj:
    """The JSON merge patch turning `current` into `wanted` on the keys `wanted` names."""
    patch: Obj = {}
    for key, value in wanted.items():
        present = current.get(key)
        if value is None:
            if key in current:
                patch[key] = None
        elif isinstance(value, Mapping) and isinstance(present, Mapping):
            nested = merge_diff(present, value)
            if nested:
                patch[key] = nested
        elif isinstance(value, Mapping):
            pruned = pruned_value(value)
            if pruned is not None or key not in current:
                patch[key] = pruned if pruned is not None else {}
        elif present != value:
            patch[key] = value
    return patch


def pruned_value(value: Any) -> Any:
    """`value` without None entries and empty objects, recursively (None if nothing is left):
    what a merge patch leaves in an object once applied."""
    if isinstance(value, Mapping):
        kept = {k: pruned_value(v) for k, v in value.items()}
        kept = {k: v for k, v in kept.items() if v is not None}
        return kept or None
    if isinstance(value, list):
        return [pruned_value(item) for item in value]
    return value


def fingerprint(status: Mapping[str, Any]) -> str:
    """The managed part of a status, canonical: equal for the status we wanted and the status
    the object has once our patch was applied."""
    view = {key: pruned_value(status.get(key)) for key in MANAGED_KEYS}
    view = {key: value for key, value in view.items() if value is not None}
    return json.dumps(view, sort_keys=True, separators=(",", ":"))
