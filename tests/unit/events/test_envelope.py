"""Envelope ids are stable per decision and distinct across everything else."""

from __future__ import annotations

import dataclasses
import inspect
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from events.envelope import _ID_NAMESPACE, Envelope, event_id
from events.models import RolloutAborted
from events.store import StoredEvent

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_ids_are_deterministic_uuids() -> None:
    first = event_id("in-1", 41, 0, namespace="shop", name="web")
    assert first == event_id("in-1", 41, 0, namespace="shop", name="web")
    assert uuid.UUID(first).version == 5


def test_ids_never_change_across_versions() -> None:
    """A retry after an upgrade must produce the ids the old version wrote."""
    assert event_id("in-1", 41, 0, namespace="shop", name="web") == str(
        uuid.uuid5(_ID_NAMESPACE, "shop/web\x1fin-1\x1f41\x1f0")
    )
    assert event_id("in-1", 41, 0, namespace="shop", name="web") == (
        "242cba06-6449-5e4e-9dc9-8a251cc125b6"
    )


@given(st.text(), st.integers(0, 10**12), st.integers(0, 999), st.text(), st.text())
def test_ids_are_the_uuid5_of_the_decision_key(
    cause: str, version: int, index: int, namespace: str, name: str
) -> None:
    key = f"{namespace}/{name}\x1f{cause}\x1f{version}\x1f{index}"
    expected = str(uuid.uuid5(_ID_NAMESPACE, key))
    assert event_id(cause, version, index, namespace=namespace, name=name) == expected


@given(
    a=st.tuples(st.text(), st.integers(0, 10**9), st.integers(0, 999), st.text(), st.text()),
    b=st.tuples(st.text(), st.integers(0, 10**9), st.integers(0, 999), st.text(), st.text()),
)
def test_ids_differ_when_any_part_differs(
    a: tuple[str, int, int, str, str], b: tuple[str, int, int, str, str]
) -> None:
    id_a = event_id(a[0], a[1], a[2], namespace=a[3], name=a[4])
    id_b = event_id(b[0], b[1], b[2], namespace=b[3], name=b[4])
    assert (id_a == id_b) == (a == b)


def test_a_redecision_at_a_new_version_gets_new_ids() -> None:
    retried = [event_id("in-1", 10, i, namespace="n", name="r") for i in range(3)]
    redecided = [event_id("in-1", 12, i, namespace="n", name="r") for i in range(3)]
    assert len(set(retried)) == 3
    assert not set(retried) & set(redecided)


def test_envelope_for_an_event() -> None:
    event = RolloutAborted(cause="in-9", at=T0, revision=3, message="m")
    envelope = Envelope.for_event(
        event, namespace="shop", name="web.v2", rollout_sequence=7, id="x"
    )
    assert envelope == Envelope(
        id="x",
        source="/rollouts-controller",
        type="RolloutAborted",
        time=T0,
        subject="shop/web.v2",
        rolloutsequence=7,
        causationid="in-9",
        dataschemaversion=1,
    )
    assert (envelope.namespace, envelope.name) == ("shop", "web.v2")
    assert (envelope.specversion, envelope.datacontenttype) == ("1.0", "application/json")


def test_envelope_time_keeps_an_offset_and_makes_naive_times_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    aware = RolloutAborted(cause="c", at=T0.astimezone(plus_two), revision=1, message="m")
    naive = RolloutAborted(cause="c", at=T0.replace(tzinfo=None), revision=1, message="m")
    for event in (aware, naive):
        envelope = Envelope.for_event(event, namespace="n", name="r", rollout_sequence=1, id="i")
        assert envelope.time == T0
        assert envelope.time.tzinfo is not None


@pytest.mark.parametrize("cls", [Envelope, StoredEvent])
def test_the_handwritten_init_takes_and_sets_every_field_as_the_dataclass_one_would(
    cls: type,
) -> None:
    """Envelope and StoredEvent write their slots directly (`field_setters`); a field added to
    either and forgotten in its `__init__` would be left unset."""
    parameters = list(inspect.signature(cls).parameters.values())
    assert [p.name for p in parameters] == [f.name for f in dataclasses.fields(cls)]
    for parameter, field in zip(parameters, dataclasses.fields(cls), strict=True):
        default = inspect.Parameter.empty if field.default is dataclasses.MISSING else field.default
        assert parameter.default == default, field.name
    values = {p.name: object() for p in parameters}
    built = cls(**values)
    assert {name: getattr(built, name) for name in values} == values
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(built, parameters[0].name, "other")
