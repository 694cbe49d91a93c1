"""The codec round-trips every registered event type, in both CloudEvents modes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events.base import EVENT_TYPES, Event
from events.codec import DEFAULT_CODEC, MalformedEvent, UnknownEventType
from events.envelope import Envelope
from events.models import RolloutAborted
from tests.unit.events.strategies import TEXT, events_of

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ALL_TYPES = sorted(EVENT_TYPES)


def envelope_for(event: Event, sequence: int = 3) -> Envelope:
    return Envelope.for_event(
        event, namespace="shop", name="web.v2", rollout_sequence=sequence, id="id-1"
    )


def test_every_registered_type_is_under_test() -> None:
    assert len(ALL_TYPES) >= 30
    assert {"SpecApplied", "RolloutAborted", "TrafficWeightRequested"} <= set(ALL_TYPES)


@pytest.mark.parametrize("type_name", ALL_TYPES)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_binary_mode_round_trips(type_name: str, data: st.DataObject) -> None:
    event = data.draw(events_of(EVENT_TYPES[type_name]))
    envelope = envelope_for(event)
    headers, payload = DEFAULT_CODEC.encode(envelope, event)
    assert headers["ce-type"] == type_name
    assert json.loads(payload)["cause"] == event.cause
    assert DEFAULT_CODEC.decode(headers, payload) == (envelope, event)


@pytest.mark.parametrize("type_name", ALL_TYPES)
@settings(max_examples=10, deadline=None)
@given(data=st.data(), source=TEXT, name=st.sampled_from(["web", "web.v2", "a-b"]))
def test_the_append_path_encodes_as_the_envelope_does(
    type_name: str, data: st.DataObject, source: str, name: str
) -> None:
    event = data.draw(events_of(EVENT_TYPES[type_name]))
    later = event.model_copy(update={"cause": event.cause + "'", "at": event.at + timedelta(1)})
    events, ids = [event, event, later], ["id 1%", "id 2", "id 3"]
    fast = DEFAULT_CODEC.encode_events(
        events, ids=ids, subject=f"shop/{name}", first_rollout_sequence=7, source=source
    )
    slow = [
        DEFAULT_CODEC.encode(
            Envelope.for_event(
                e, namespace="shop", name=name, rollout_sequence=7 + i, id=ids[i], source=source
            ),
            e,
        )
        for i, e in enumerate(events)
    ]
    assert fast == slow


def test_a_naive_event_time_is_encoded_as_utc() -> None:
    event = RolloutAborted(cause="c", at=datetime(2026, 3, 1, 12), revision=1, message="m")
    [(headers, _)] = DEFAULT_CODEC.encode_events(
        [event], ids=["i"], subject="shop/web", first_rollout_sequence=1, source="/s"
    )
    assert headers["ce-time"] == "2026-03-01T12:00:00+00:00"


@pytest.mark.parametrize("type_name", ALL_TYPES)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_structured_mode_round_trips(type_name: str, data: st.DataObject) -> None:
    event = data.draw(events_of(EVENT_TYPES[type_name]))
    envelope = envelope_for(event)
    document = DEFAULT_CODEC.encode_structured(envelope, event)
    parsed = json.loads(document)
    assert (parsed["specversion"], parsed["type"], parsed["rolloutsequence"]) == (
        "1.0",
        type_name,
        3,
    )
    assert parsed["data"]["cause"] == event.cause
    assert DEFAULT_CODEC.decode_structured(document) == (envelope, event)


def test_binary_headers_are_the_cloudevents_nats_binding() -> None:
    event = RolloutAborted(cause="in-7", at=T0, revision=2, message="stop")
    headers, payload = DEFAULT_CODEC.encode(envelope_for(event), event)
    assert headers == {
        "ce-id": "id-1",
        "ce-source": "/rollouts-controller",
        "ce-type": "RolloutAborted",
        "ce-specversion": "1.0",
        "ce-time": "2026-03-01T12:00:00+00:00",
        "ce-subject": "shop/web.v2",
        "ce-datacontenttype": "application/json",
        "ce-rolloutsequence": "3",
        "ce-causationid": "in-7",
        "ce-dataschemaversion": "1",
    }
    assert json.loads(payload) == {
        "cause": "in-7",
        "at": "2026-03-01T12:00:00Z",
        "revision": 2,
        "message": "stop",
    }


@given(cause=TEXT)
def test_any_cause_survives_the_headers(cause: str) -> None:
    event = RolloutAborted(cause=cause, at=T0, revision=1, message="m")
    headers, payload = DEFAULT_CODEC.encode(envelope_for(event), event)
    value = headers["ce-causationid"]
    assert value.isascii() and value.isprintable() and value == value.strip()
    envelope, _ = DEFAULT_CODEC.decode(headers, payload)
    assert envelope.causationid == cause


def test_a_cause_with_line_breaks_and_percent_is_escaped() -> None:
    event = RolloutAborted(cause=" a\r\nb%20 ", at=T0, revision=1, message="m")
    headers, payload = DEFAULT_CODEC.encode(envelope_for(event), event)
    assert headers["ce-causationid"] == "%20a%0D%0Ab%2520%20"
    assert DEFAULT_CODEC.decode(headers, payload)[0].causationid == " a\r\nb%20 "


def test_naive_event_time_is_sent_as_utc() -> None:
    event = RolloutAborted(cause="c", at=datetime(2026, 3, 1, 12, 0), revision=1, message="m")
    headers, payload = DEFAULT_CODEC.encode(envelope_for(event), event)
    assert headers["ce-time"] == "2026-03-01T12:00:00+00:00"
    assert DEFAULT_CODEC.decode(headers, payload)[0].time == T0


def _valid() -> tuple[dict[str, str], bytes]:
    event = RolloutAborted(cause="in-7", at=T0, revision=2, message="stop")
    return DEFAULT_CODEC.encode(envelope_for(event), event)


def test_unknown_type_is_a_typed_error_naming_it() -> None:
    headers, payload = _valid()
    headers["ce-type"] = "RolloutTeleported"
    with pytest.raises(UnknownEventType, match="RolloutTeleported") as unknown:
        DEFAULT_CODEC.decode(headers, payload)
    assert unknown.value.type_name == "RolloutTeleported"
    assert isinstance(unknown.value, ValueError)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ce-rolloutsequence": None}, "lacks header ce-rolloutsequence"),
        ({"ce-specversion": "0.3"}, "specversion"),
        ({"ce-rolloutsequence": "three"}, "unreadable ce-"),
        ({"ce-time": "yesterday"}, "unreadable ce-"),
        ({"ce-dataschemaversion": "9"}, "newer than this reader"),
    ],
)
def test_malformed_headers_are_reported(change: dict[str, str | None], message: str) -> None:
    headers, payload = _valid()
    for key, value in change.items():
        if value is None:
            del headers[key]
        else:
            headers[key] = value
    with pytest.raises(MalformedEvent, match=message):
        DEFAULT_CODEC.decode(headers, payload)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"{not json", "RolloutAborted payload is"),
        (b'{"cause": "c"}', "RolloutAborted payload is invalid"),
        (b"[]", "RolloutAborted payload is invalid"),
    ],
)
def test_malformed_payloads_are_reported(payload: bytes, message: str) -> None:
    headers, _ = _valid()
    with pytest.raises(MalformedEvent, match=message):
        DEFAULT_CODEC.decode(headers, payload)


def test_a_message_without_headers_is_malformed() -> None:
    with pytest.raises(MalformedEvent, match="no ce-"):
        DEFAULT_CODEC.decode(None, b"{}")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"nope", "not JSON"),
        (b"[1]", "not a JSON object"),
        (b'{"specversion": "1.0"}', "lacks id"),
    ],
)
def test_malformed_structured_events_are_reported(document: bytes, message: str) -> None:
    with pytest.raises(MalformedEvent, match=message):
        DEFAULT_CODEC.decode_structured(document)


def test_structured_unknown_type_is_named() -> None:
    event = RolloutAborted(cause="in-7", at=T0, revision=2, message="stop")
    document = DEFAULT_CODEC.to_structured(envelope_for(event), event)
    document["type"] = "Nope"
    with pytest.raises(UnknownEventType, match="Nope"):
        DEFAULT_CODEC.decode_structured(document)
