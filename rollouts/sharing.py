"""Equal pod specs are held once, however many rollouts and revisions hold them.

A fleet's rollouts are mostly alike: at a given revision their pods run the same containers
with the same ports, resources and probes. Each SpecApplied and RevisionCreated decodes its own
copy of the pod spec, and a controller holding ten thousand states kept a copy per rollout and
per ReplicaSet (about 15 KB of a rollout's 40). Sharing equal values changes no result: they
are equal and never mutated (the models are frozen, and no code writes into a template).
Labels and names, which differ from rollout to rollout, stay per rollout.

A pod spec is looked up by its canonical JSON (about 5 µs, against the 200 µs of validating a
spec), so folding a history gets about 5 % slower. The table is bounded: a fleet of
all-different pods costs a lookup each and no memory.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any, TypeVar

from pydantic import BaseModel

from rollouts.spec import Rollout
from rollouts.state import RolloutState

_Model = TypeVar("_Model", bound=BaseModel)

TABLE_SIZE = 4096
"""Distinct pod specs kept for sharing: far more than a fleet runs at once."""

_POD_SPECS: OrderedDict[str, dict[str, Any]] = OrderedDict()


def shared_pod_spec(pod_spec: dict[str, Any]) -> dict[str, Any]:
    """An equal pod spec already held, or `pod_spec` itself, now held."""
    key = json.dumps(pod_spec, sort_keys=True, separators=(",", ":"), default=repr)
    found = _POD_SPECS.get(key)
    if found is not None:
        _POD_SPECS.move_to_end(key)
        return found
    _POD_SPECS[key] = pod_spec
    if len(_POD_SPECS) > TABLE_SIZE:
        _POD_SPECS.popitem(last=False)
    return pod_spec


def shared_template(template: dict[str, Any]) -> dict[str, Any]:
    """A ReplicaSet's pod template holding the shared pod spec."""
    pod_spec = template.get("spec")
    if not isinstance(pod_spec, dict) or (shared := shared_pod_spec(pod_spec)) is pod_spec:
        return template
    return {**template, "spec": shared}


def shared_rollout(rollout: Rollout) -> Rollout:
    """`rollout` holding the shared pod spec."""
    template = rollout.spec.template
    if template is None or (pod_spec := shared_pod_spec(template.spec)) is template.spec:
        return rollout
    spec = _replaced(rollout.spec, template=_replaced(template, spec=pod_spec))
    return _replaced(rollout, spec=spec)


def shared_state(state: RolloutState) -> RolloutState:
    """`state` holding shared pod specs: for a state decoded whole (a snapshot)."""
    sets = {
        key: _replaced(rs, template=shared_template(rs.template))
        for key, rs in state.replica_sets.items()
    }
    spec = shared_rollout(state.spec) if state.spec is not None else None
    return _replaced(state, spec=spec, replica_sets=sets)


def _replaced(model: _Model, **values: Any) -> _Model:
    """A copy with equal `values` in place, that still says the same fields were set:
    `exclude_unset` dumps read that, and `model_copy(update=...)` would add to them."""
    copy = model.model_copy()
    copy.__dict__.update(values)
    return copy
