"""Upcasting: an event written under an older schema decodes into today's model.

models.py has not bumped a schema yet, so the scenario is made up: pretend `RolloutAborted`
version 0 called its text `reason` and had no `revision`. The upcaster registered here is the
one we would ship with that change; the test registry keeps the project's own one clean.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest

from events.base import EVENT_TYPES, Event
from events.codec import EventCodec, MalformedEvent
from events.envelope import Envelope
from events.models import RolloutAborted
from events.upcasting import UPCASTERS, MissingUpcaster, Upcasters

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
V0_ABORTED = {"cause": "in-1", "at": "2026-03-01T12:00:00Z", "reason": "error rate too high"}


def aborted_v0_to_v1(data: dict[str, Any]) -> dict[str, Any]:
    upgraded = {key: value for key, value in data.items() if key != "reason"}
    upgraded["message"] = data["reason"]
    upgraded.setdefault("revision", 0)
    return upgraded


def headers_for(type_name: str, version: int) -> dict[str, str]:
    event = RolloutAborted(cause="in-1", at=T0, revision=0, message="")
    envelope = Envelope.for_event(event, namespace="n", name="r", rollout_sequence=1, id="i")
    headers, _ = EventCodec().encode(envelope, event)
    headers.update({"ce-type": type_name, "ce-dataschemaversion": str(version)})
    return headers


def test_a_v0_rollout_aborted_decodes_into_the_current_model() -> None:
    upcasters = Upcasters()
    upcasters.add("RolloutAborted", 0, aborted_v0_to_v1)
    codec = EventCodec(upcasters=upcasters)
    _, event = codec.decode(headers_for("RolloutAborted", 0), json.dumps(V0_ABORTED).encode())
    assert event == RolloutAborted(cause="in-1", at=T0, revision=0, message="error rate too high")


def test_structured_v0_events_are_upcast_too() -> None:
    upcasters = Upcasters()
    upcasters.register("RolloutAborted", 0)(aborted_v0_to_v1)
    codec = EventCodec(upcasters=upcasters)
    event = RolloutAborted(cause="in-1", at=T0, revision=0, message="")
    envelope = Envelope.for_event(event, namespace="n", name="r", rollout_sequence=1, id="i")
    document = codec.to_structured(envelope, event)
    document.update({"dataschemaversion": 0, "data": V0_ABORTED})
    decoded = codec.decode_structured(document)[1]
    assert isinstance(decoded, RolloutAborted)
    assert (decoded.message, decoded.revision) == ("error rate too high", 0)


def test_without_an_upcaster_an_old_event_is_malformed_not_guessed() -> None:
    codec = EventCodec(upcasters=Upcasters())
    with pytest.raises(MalformedEvent, match="no upcaster registered for RolloutAborted from"):
        codec.decode(headers_for("RolloutAborted", 0), json.dumps(V0_ABORTED).encode())


class Widget(Event):
    """A local, unregistered type at version 3, to show a chain of steps."""

    schema_version: ClassVar[int] = 3
    size_mm: int
    colour: str


def test_steps_chain_in_version_order() -> None:
    upcasters = Upcasters()
    calls: list[int] = []

    @upcasters.register("Widget", 1)
    def size_in_mm(data: dict[str, Any]) -> dict[str, Any]:
        calls.append(1)
        return {
            **{k: v for k, v in data.items() if k != "size_cm"},
            "size_mm": data["size_cm"] * 10,
        }

    @upcasters.register("Widget", 2)
    def default_colour(data: dict[str, Any]) -> dict[str, Any]:
        calls.append(2)
        return {"colour": "grey", **data}

    codec = EventCodec(types={"Widget": Widget}, upcasters=upcasters)
    v1 = {"cause": "c", "at": "2026-03-01T12:00:00Z", "size_cm": 4}
    _, event = codec.decode(headers_for("Widget", 1), json.dumps(v1).encode())
    assert event == Widget(cause="c", at=T0, size_mm=40, colour="grey")
    assert calls == [1, 2]
    _, event = codec.decode(
        headers_for("Widget", 2), json.dumps({"cause": "c", "at": v1["at"], "size_mm": 5}).encode()
    )
    assert calls == [1, 2, 2]
    assert event == Widget(cause="c", at=T0, size_mm=5, colour="grey")
    assert ("Widget", 1) in upcasters


def test_a_chain_with_a_gap_names_the_missing_step() -> None:
    upcasters = Upcasters()
    upcasters.add("Widget", 2, lambda data: data)
    with pytest.raises(MissingUpcaster) as missing:
        upcasters.upcast("Widget", {}, from_version=1, to_version=3)
    assert (missing.value.type_name, missing.value.from_version) == ("Widget", 1)


def test_registering_a_step_twice_is_refused() -> None:
    upcasters = Upcasters()
    upcasters.add("Widget", 1, lambda data: data)
    with pytest.raises(ValueError, match="exists"):
        upcasters.add("Widget", 1, lambda data: data)


def test_the_project_registry_only_upgrades_registered_types_to_current_versions() -> None:
    for type_name, version in UPCASTERS._steps:
        assert type_name in EVENT_TYPES
        assert version < EVENT_TYPES[type_name].schema_version
