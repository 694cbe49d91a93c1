"""Base classes and the type registry shared by events and inputs.

Every payload type registers itself under its class name with a schema version. The registry is
what the codec uses to turn `type` strings from the stream back into models, and what upcasters
hook into when an old version is read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field

Count = Annotated[int, Field(ge=0)]
"""Replicas, weights, revisions, indexes: never negative, so a forged event saying so is
quarantined as unreadable rather than folded into a state the deciding core rejects."""


class Payload(BaseModel):
    """Common configuration: frozen, strict about unknown fields, compact JSON."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    schema_version: ClassVar[int] = 1

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__


class Event(Payload):
    """A fact appended to a rollout's history by the controller (the single writer).

    `cause` is the id of the input whose decision produced the event, so any event can be traced
    back to the command, observation or timer behind it. `at` is the decision time; the domain
    never reads a clock, so time is part of the fact.
    """

    cause: str
    at: datetime


class Input(Payload):
    """Something that asks the controller to decide: a command or an observation.

    Inputs are at-least-once: the same `input_id` may arrive twice, and the second delivery must
    have no effect.
    """

    input_id: str
    actor: str = ""


class Command(Input):
    """An input from a person or a tool, which may be refused."""


class Observation(Input):
    """An input reporting what a worker saw or did; never refused, only judged."""


EventT = TypeVar("EventT", bound=Event)
InputT = TypeVar("InputT", bound=Input)

EVENT_TYPES: dict[str, type[Event]] = {}
INPUT_TYPES: dict[str, type[Input]] = {}


def register_event(cls: type[EventT]) -> type[EventT]:
    register_in(EVENT_TYPES, cls)
    return cls


def register_input(cls: type[InputT]) -> type[InputT]:
    register_in(INPUT_TYPES, cls)
    return cls


def register_in(table: dict[str, Any], cls: type[Payload]) -> None:
    """Add `cls` to a registry of its own kind (the rollout's above, or another contract's)."""
    name = cls.type_name()
    if name in table and table[name] is not cls:
        raise ValueError(f"payload type {name} registered twice")
    table[name] = cls
