"""Subjects: Kubernetes names round-trip through subject tokens, and filters stay exact."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from events.subjects import (
    InvalidSubject,
    encode_name,
    event_subject,
    event_type_filter,
    input_subject,
    parse_event_subject,
    parse_input_subject,
    rollout_events_filter,
)

# RFC 1123 subdomain (Kubernetes object names) and label (namespaces).
K8S_NAMES = st.from_regex(r"\A[a-z0-9]([-a-z0-9.]{0,40}[a-z0-9])?\Z")
K8S_NAMESPACES = st.from_regex(r"\A[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?\Z")
TYPES = st.from_regex(r"\A[A-Z][A-Za-z0-9]{0,30}\Z")


@given(namespace=K8S_NAMESPACES, name=K8S_NAMES, event_type=TYPES)
def test_event_subjects_round_trip(namespace: str, name: str, event_type: str) -> None:
    subject = event_subject(namespace, name, event_type)
    assert len(subject.split(".")) == 5
    assert not any(c in subject for c in "*> ")
    assert parse_event_subject(subject) == (namespace, name, event_type)


@given(namespace=K8S_NAMESPACES, name=K8S_NAMES)
def test_input_subjects_round_trip(namespace: str, name: str) -> None:
    subject = input_subject(namespace, name)
    assert subject.startswith("rollouts.in.")
    assert parse_input_subject(subject) == (namespace, name)


@given(name=K8S_NAMES, other=K8S_NAMES)
def test_distinct_names_get_distinct_tokens(name: str, other: str) -> None:
    assert (encode_name(name) == encode_name(other)) == (name == other)


def test_the_documented_shapes() -> None:
    assert event_subject("prod", "web.v2", "RolloutAborted") == (
        "rollouts.evt.prod.web_v2.RolloutAborted"
    )
    assert input_subject("prod", "web.v2") == "rollouts.in.prod.web_v2"
    assert rollout_events_filter("prod", "a.b") == "rollouts.evt.prod.a_b.*"
    assert event_type_filter("RolloutAborted") == "rollouts.evt.*.*.RolloutAborted"


def _matches(filter_subject: str, subject: str) -> bool:
    """NATS matching for filters whose only wildcard is '*' (what the store uses)."""
    wanted, got = filter_subject.split("."), subject.split(".")
    return len(wanted) == len(got) and all(w in ("*", g) for w, g in zip(wanted, got, strict=True))


@pytest.mark.parametrize("other", ["a.b", "ab", "a-b", "a.b.c", "b"])
def test_a_rollout_filter_never_matches_a_neighbour(other: str) -> None:
    own = event_subject("ns", "a", "RolloutAborted")
    neighbour = event_subject("ns", other, "RolloutAborted")
    assert _matches(rollout_events_filter("ns", "a"), own)
    assert not _matches(rollout_events_filter("ns", "a"), neighbour)


@pytest.mark.parametrize("bad", ["", "a_b", "a*", ">", "a b", "a\tb", "é", "a/b"])
def test_names_that_cannot_round_trip_are_refused(bad: str) -> None:
    with pytest.raises(InvalidSubject):
        encode_name(bad)
    with pytest.raises(InvalidSubject):
        input_subject("ns", bad)


@pytest.mark.parametrize("bad", ["", "Rollout.Aborted", "*", ">", "A B"])
def test_event_types_must_be_one_token(bad: str) -> None:
    with pytest.raises(InvalidSubject):
        event_subject("ns", "web", bad)
    with pytest.raises(InvalidSubject):
        event_type_filter(bad)


@pytest.mark.parametrize(
    "subject",
    ["rollouts.evt.ns.web", "rollouts.in.ns.web.T", "other.evt.ns.web.T", "rollouts.evt"],
)
def test_foreign_subjects_do_not_parse_as_events(subject: str) -> None:
    with pytest.raises(InvalidSubject):
        parse_event_subject(subject)


def test_foreign_subjects_do_not_parse_as_inputs() -> None:
    with pytest.raises(InvalidSubject):
        parse_input_subject("rollouts.evt.ns.web")
