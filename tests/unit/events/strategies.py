"""Hypothesis strategies that build any registered event from its field annotations.

Deriving them from the models means a new event type is covered by the round-trip tests the
moment it is registered, with no fixture to write.
"""

from __future__ import annotations

import enum
import types
import typing
from datetime import UTC, datetime
from typing import Any

import annotated_types
from hypothesis import strategies as st
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from events.base import Event

TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
TIMES = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
JSON_SCALARS: st.SearchStrategy[Any] = st.one_of(
    st.none(), st.booleans(), st.integers(), TEXT, st.floats(allow_nan=False, allow_infinity=False)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


def for_annotation(annotation: Any) -> st.SearchStrategy[Any]:
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return st.one_of([for_annotation(argument) for argument in arguments])
    if origin is typing.Annotated:
        return _constrained(arguments[0], arguments[1:])
    if origin is typing.Literal:
        return st.sampled_from(arguments)
    if origin is dict:
        return st.dictionaries(TEXT, for_annotation(arguments[1]), max_size=3)
    if origin in (list, tuple):
        item = for_annotation(arguments[0])
        return st.lists(item, max_size=3).map(origin)
    if annotation is Any:
        return JSON_VALUES
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):  # nested values
        return st.builds(annotation, **_fields(annotation))
    return _simple(annotation)


def _fields(model: type[BaseModel]) -> dict[str, st.SearchStrategy[Any]]:
    return {
        name: _constrained(info.annotation, info.metadata)
        for name, info in model.model_fields.items()
    }


def _constrained(annotation: Any, metadata: typing.Sequence[Any]) -> st.SearchStrategy[Any]:
    """Integers within the field's `ge`/`le` bounds (`Field(ge=0)` or `Annotated[int, ...]`):
    a value the model refuses would test the refusal, not the round trip."""
    flat = [
        m for item in metadata for m in (item.metadata if isinstance(item, FieldInfo) else [item])
    ]
    if annotation is not int:
        return for_annotation(annotation)
    low = next(
        (typing.cast(int, m.ge) for m in flat if isinstance(m, annotated_types.Ge)), -(2**53)
    )
    high = next((typing.cast(int, m.le) for m in flat if isinstance(m, annotated_types.Le)), 2**53)
    return st.integers(min_value=low, max_value=high)


def _simple(annotation: Any) -> st.SearchStrategy[Any]:
    if annotation is type(None):
        return st.none()
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return st.sampled_from(list(annotation))
    simple: dict[Any, st.SearchStrategy[Any]] = {
        str: TEXT,
        int: st.integers(min_value=-(2**53), max_value=2**53),
        bool: st.booleans(),
        float: st.floats(allow_nan=False, allow_infinity=False),
        datetime: TIMES,
    }
    if annotation not in simple:
        raise NotImplementedError(f"no strategy for {annotation!r}: extend strategies.py")
    return simple[annotation]


def events_of(cls: type[Event]) -> st.SearchStrategy[Event]:
    return st.builds(cls, **_fields(cls))
