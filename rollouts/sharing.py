"""Equal pod specs and canary steps are held once, however many rollouts hold them.

A fleet's rollouts are mostly alike: at a given revision their pods run the same containers
with the same ports, resources and probes. Each SpecApplied and RevisionCreated decodes its own
copy of the pod spec, and a controller holding ten thousand states kept a copy per rollout and
per ReplicaSet (about 15 KB of a rollout's 40). Sharing equal values changes no result: they
are equal and never mutated (the models are frozen, and no code writes into a template).
Labels and names, which differ from rollout to rollout, stay per rollout.

A pod spec is looked up by its canonical JSON (about 5 µs, against the 200 µs of validating a
spec), so folding a history gets about 5 % slower. A state read from a snapshot is keyed by the
parts of its own JSON instead (`shared_state`): no dump, and the JSON of the parts written by
pydantic-core, which is several times cheaper. The table is bounded: a fleet of all-different
pods costs a lookup each and no memory.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any, TypeVar

from pydantic_core import to_json

from rollouts.spec import CanaryStep, Rollout
from rollouts.state import RolloutState
from rollouts.state_changes import replaced

_Value = TypeVar("_Value")

TABLE_SIZE = 4096
"""Distinct pod specs and step lists kept for sharing: far more than a fleet runs at once."""

_HELD: OrderedDict[str, Any] = OrderedDict()


def _held(key: str, value: _Value) -> _Value:
    """The value held under `key`, or `value`, now held (the least recently used goes)."""
    found = _HELD.get(key)
    if found is not None:
        _HELD.move_to_end(key)
        return found  # type: ignore[no-any-return]
    _HELD[key] = value
    if len(_HELD) > TABLE_SIZE:
        _HELD.popitem(last=False)
    return value


def shared_pod_spec(pod_spec: dict[str, Any], parsed: object = None) -> dict[str, Any]:
    """An equal pod spec already held, or `pod_spec` itself, now held. `parsed`: what
    `pod_spec` was validated from, as `pydantic_core.from_json` gave it (JSON types only, so
    its JSON in its own key order names it; a date from YAML could not be told from a string)."""
    if isinstance(parsed, dict):
        return _held("json pod " + to_json(parsed).decode(), pod_spec)
    return _held("pod " + _canonical(pod_spec), pod_spec)


def shared_steps(
    steps: tuple[CanaryStep, ...], written: object = None, *, json_types: bool = False
) -> tuple[CanaryStep, ...]:
    """Equal canary steps, as decide reads them: the `exclude_unset` dump it hashes; or, when
    the caller has it, the list the steps were validated from (`written`). That list is ten
    times cheaper to key than dumping the steps (a replay keys every SpecApplied); steps written
    differently are then held apart, even where they would dump alike. A list of JSON types
    only (`json_types`: parsed from JSON, as `shared_pod_spec` takes it) is keyed by
    pydantic-core's JSON of it."""
    if isinstance(written, list):
        if json_types:
            return _held("json steps " + to_json(written).decode(), steps)
        return _held("written steps " + _canonical(written), steps)
    dumped = [step.model_dump(mode="json", by_alias=True, exclude_unset=True) for step in steps]
    return _held("steps " + _canonical(dumped), steps)


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr)


def shared_template(template: dict[str, Any], parsed: object = None) -> dict[str, Any]:
    """A ReplicaSet's pod template holding the shared pod spec (`parsed`: its pod spec as
    `shared_pod_spec` takes it)."""
    pod_spec = template.get("spec")
    if not isinstance(pod_spec, dict) or (shared := shared_pod_spec(pod_spec, parsed)) is pod_spec:
        return template
    return {**template, "spec": shared}


def shared_rollout(
    rollout: Rollout, manifest: dict[str, Any] | None = None, *, json_types: bool = False
) -> Rollout:
    """`rollout` holding the shared pod spec and canary steps; `manifest`, what `rollout` was
    validated from, when at hand (its steps key the steps: `shared_steps`), and `json_types`
    when `pydantic_core.from_json` gave it (its pod spec then keys the pod spec:
    `shared_pod_spec`)."""
    spec = rollout.spec
    template, canary = spec.template, spec.strategy.canary
    written_pod = _written(manifest, "spec", "template", "spec") if json_types else None
    if (
        template is not None
        and (pod_spec := shared_pod_spec(template.spec, written_pod)) is not template.spec
    ):
        spec = replaced(spec, template=replaced(template, spec=pod_spec))
    written_steps = _written(manifest, "spec", "strategy", "canary", "steps")
    if (
        canary is not None
        and canary.steps
        and (steps := shared_steps(canary.steps, written_steps, json_types=json_types))
        is not canary.steps
    ):
        strategy = replaced(spec.strategy, canary=replaced(canary, steps=steps))
        spec = replaced(spec, strategy=strategy)
    return rollout if spec is rollout.spec else replaced(rollout, spec=spec)


def _written(written: object, *path: str) -> object:
    """What `written` holds at `path` (None where a level is not a mapping: then the
    validated value is dumped for its key instead)."""
    node = written
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def shared_state(state: RolloutState, parsed: object = None) -> RolloutState:
    """`state` holding shared pod specs and steps: for a state decoded whole (a snapshot).
    `parsed`: the JSON `state` was validated from, as `pydantic_core.from_json` gave it; its
    parts key the sharing (a start decodes thousands of states: 57-62 against 164-214 µs each,
    keyed by dumps instead)."""
    sets = {
        key: replaced(
            rs,
            template=shared_template(
                rs.template, _written(parsed, "replica_sets", key, "template", "spec")
            ),
        )
        for key, rs in state.replica_sets.items()
    }
    written_spec = _written(parsed, "spec")
    spec = (
        shared_rollout(
            state.spec,
            written_spec if isinstance(written_spec, dict) else None,
            json_types=parsed is not None,
        )
        if state.spec is not None
        else None
    )
    return replaced(state, spec=spec, replica_sets=sets)
