"""The typed changes stay the state models' fields: a new field cannot be left out of them.

mypy holds every evolve handler to these TypedDicts; that is only worth something while each
TypedDict names exactly its model's fields, with the same types.
"""

from __future__ import annotations

from typing import Any, get_type_hints

import pytest
from pydantic import BaseModel

import rollouts.fleet.state as fleet_state
import rollouts.state_changes as changes_module
from rollouts.fleet.state import FleetChanges, FleetState
from rollouts.state import RolloutState
from rollouts.state_changes import CHANGES, StateChanges, changed

CASES = [(model, changes, vars(changes_module)) for model, changes in CHANGES.items()]
CASES.append((FleetState, FleetChanges, vars(fleet_state)))


@pytest.mark.parametrize(
    ("model", "changes", "names"), CASES, ids=[case[0].__name__ for case in CASES]
)
def test_changes_name_every_field_of_their_model_with_its_type(
    model: type[BaseModel], changes: type[Any], names: dict[str, Any]
) -> None:
    fields = {name: field.annotation for name, field in model.model_fields.items()}
    assert get_type_hints(changes, names) == fields


def test_changed_copies_with_the_changes_and_leaves_the_original() -> None:
    before = RolloutState(namespace="ns", name="r")
    after = changed(before, {"current_step_index": 2, "abort": True})
    assert (after.current_step_index, after.abort) == (2, True)
    assert (before.current_step_index, before.abort) == (None, False)


def test_changed_reads_exactly_as_model_copy_does() -> None:
    state = RolloutState(namespace="ns", name="r")
    steps: list[StateChanges] = [{"abort": True}, {"current_step_index": 3, "abort": False}, {}]
    for changes in steps:
        ours, theirs = changed(state, changes), state.model_copy(update=dict(changes))
        assert ours == theirs
        assert ours.model_fields_set == theirs.model_fields_set
        assert ours.model_dump(exclude_unset=True) == theirs.model_dump(exclude_unset=True)
        state = ours


def test_states_changed_alike_share_one_set_of_field_names() -> None:
    first = changed(RolloutState(namespace="ns", name="a"), {"abort": True})
    second = changed(RolloutState(namespace="ns", name="b"), {"abort": True})
    assert first.__pydantic_fields_set__ is second.__pydantic_fields_set__
    copied = second.model_copy(update={"current_step_index": 1})  # pydantic copies, then adds
    assert "current_step_index" not in first.model_fields_set
    assert "current_step_index" in copied.model_fields_set
