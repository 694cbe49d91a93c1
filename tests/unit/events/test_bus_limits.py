"""Kubernetes' name limits on everything that enters over the bus or the CLI, and the
quarantine of messages no reader can decode (pure: no server)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import events.inputs as inp
from events.codec import DEFAULT_CODEC
from events.envelope import Envelope
from events.input_codec import MalformedInput, decode_input, encode_input
from events.models import RolloutAborted
from events.quarantine import Unreadable, decode_stored
from events.subjects import (
    InvalidSubject,
    check_rollout,
    input_subject,
    parse_event_subject,
    rollout_events_filter,
)
from rollouts.evolve import evolve
from rollouts.state import initial_state


@pytest.mark.parametrize(
    ("namespace", "name", "message"),
    [
        (
            "n" * 64,
            "demo",
            "namespace 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn…' is 64 characters long; "
            "Kubernetes allows at most 63",
        ),
        (
            "default",
            "a" * 254,
            "name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…' is 254 characters long; "
            "Kubernetes allows at most 253",
        ),
    ],
)
def test_names_beyond_kubernetes_limits_are_refused_everywhere(
    namespace: str, name: str, message: str
) -> None:
    for build in (check_rollout, input_subject, rollout_events_filter):
        with pytest.raises(InvalidSubject) as refused:
            build(namespace, name)
        assert str(refused.value) == message


def test_names_at_the_limits_are_accepted() -> None:
    check_rollout("n" * 63, "a" * 253)
    assert input_subject("n" * 63, "a.b") == f"rollouts.in.{'n' * 63}.a_b"


def test_fields_that_are_kubernetes_names_are_limited_both_ways() -> None:
    image = inp.SetImage(input_id="i", container="c" * 64, image="app:2")
    with pytest.raises(MalformedInput, match=r"container 'cccc.*' is 64 characters long"):
        encode_input("default", "demo", image)
    headers = {"ce-type": "SetImage"}
    with pytest.raises(MalformedInput, match="invalid SetImage input: container"):
        decode_input(headers, image.model_dump_json().encode())
    seen = inp.ReplicaSetObserved(
        input_id="o", pod_template_hash="h" * 64, replicas=1, ready_replicas=1, available_replicas=1
    )
    with pytest.raises(MalformedInput, match="pod_template_hash"):
        decode_input({"ce-type": "ReplicaSetObserved"}, seen.model_dump_json().encode())
    every = inp.SetImage(input_id="i", container="*", image="app:2")
    assert decode_input(headers, every.model_dump_json().encode()) == every


def test_an_unknown_input_type_is_named_short() -> None:
    with pytest.raises(MalformedInput) as refused:
        decode_input({"ce-type": "X" * 10_000}, b"{}")
    assert len(str(refused.value)) < 400


def _aborted_message() -> tuple[dict[str, str], bytes]:
    event = RolloutAborted(cause="c", at=datetime(2026, 1, 1, tzinfo=UTC), message="m", revision=1)
    envelope = Envelope.for_event(event, namespace="ns", name="web", rollout_sequence=1, id="e")
    return DEFAULT_CODEC.encode(envelope, event)


@pytest.mark.parametrize(
    ("subject", "headers", "data", "reason"),
    [
        ("rollouts.evt.ns.web.RolloutAborted", None, b"{}", "message has no ce-specversion"),
        ("rollouts.evt.ns.web.RolloutAborted", {"ce-specversion": "1.0"}, b"{}", "lacks header"),
        (
            "rollouts.evt.ns.web.RolloutAborted",
            {**_aborted_message()[0]},
            b"[" * 5000,
            "RolloutAborted payload is",
        ),
        ("rollouts.evt.ns.other.RolloutAborted", *_aborted_message(), "!= rollouts.evt.ns"),
        ("rollouts.evt.x", *_aborted_message(), "!= rollouts.evt.x"),
    ],
)
def test_undecodable_messages_become_placeholders_that_fold_as_nothing(
    subject: str, headers: dict[str, str] | None, data: bytes, reason: str
) -> None:
    stored = decode_stored(DEFAULT_CODEC, subject, 7, headers, data)
    assert isinstance(stored.event, Unreadable) and stored.envelope.type == "Unreadable"
    assert reason in stored.event.reason and "\n" not in stored.event.reason
    assert stored.event.describe().startswith("unreadable event at sequence 7 (")
    state = initial_state("ns", "web")
    assert evolve(state, stored.event) == state.model_copy(update={"version": 1})


def test_a_forged_negative_count_is_unreadable_not_folded() -> None:
    """Folded, a ReplicaSet at -1 replicas made every later decision of the rollout fail
    (found by the bus fuzz, seed 4231303059): the event model refuses it instead."""
    headers, data = _aborted_message()
    forged = data.replace(b'"revision":1', b'"revision":-1')
    assert forged != data
    stored = decode_stored(DEFAULT_CODEC, "rollouts.evt.ns.web.RolloutAborted", 7, headers, forged)
    assert isinstance(stored.event, Unreadable)
    assert "greater than or equal to 0" in stored.event.reason


def test_an_event_subject_beyond_kubernetes_limits_names_no_rollout() -> None:
    """Else its placeholder was folded under a 300-character name whose snapshot could never be
    written, and every snapshot flush after it failed."""
    subject = f"rollouts.evt.ns.{'b' * 300}.RolloutAborted"
    with pytest.raises(InvalidSubject):
        parse_event_subject(subject)
    stored = decode_stored(DEFAULT_CODEC, subject, 7, *_aborted_message())
    assert isinstance(stored.event, Unreadable) and stored.envelope.subject == ""
