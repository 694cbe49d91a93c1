"""NATS subjects of the event log and the input queue, and how rollout names map into them.

Subjects carry the namespace, the rollout name and the event type as separate tokens so that
subscribers filter on the server (`rollouts.evt.*.*.RolloutAborted`) and the store checks
concurrency over one rollout with a wildcard (`rollouts.evt.<ns>.<name>.*`).

Kubernetes names may contain `.`, which NATS reads as a token separator. A name is encoded by
replacing `.` with `_`; the mapping is reversible because `_` is not legal in a Kubernetes name,
so this module refuses names that contain it (and anything else outside `[A-Za-z0-9.-]`, which
also rules out the wildcards `*` and `>` and whitespace).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

EVENT_PREFIX = "rollouts.evt"
INPUT_PREFIX = "rollouts.in"
ALL_EVENTS = f"{EVENT_PREFIX}.>"
ALL_INPUTS = f"{INPUT_PREFIX}.>"
EVENT_SUBJECTS = f"{EVENT_PREFIX}.*.*.*"
"""What the event stream stores: a subject with fewer or more tokens is no rollout's event,
and a publish to one gets no acknowledgement (no stream captures it)."""
INPUT_SUBJECTS = f"{INPUT_PREFIX}.*.*"
"""What the input stream admits: `rollouts.in.default` or `rollouts.in.a.b.c` name no rollout."""

NAME_LIMIT = 253
"""Kubernetes' limit on an object name (a DNS subdomain): a rollout, a template, a run."""
LABEL_LIMIT = 63
"""Kubernetes' limit on a DNS label and a label value: a namespace, a container name, a pod
template hash (a label), a rollout name where it is a label value (only when it fits: the
Kubernetes platform leaves the label off a longer name and identifies it by owner)."""

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.")
_TYPE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_EVENT_TOKENS = 5
_INPUT_TOKENS = 4


class InvalidSubject(ValueError):
    """A name cannot be put in a subject, or a subject is not one of ours."""


class EventSubject(NamedTuple):
    namespace: str
    name: str
    event_type: str


class InputSubject(NamedTuple):
    namespace: str
    name: str


def encode_name(value: str, limit: int = NAME_LIMIT, what: str = "name") -> str:
    """One subject token for a Kubernetes namespace or name."""
    if not value or not _NAME_CHARS.issuperset(value):
        raise InvalidSubject(
            f"{_shown(value)} cannot be a rollout namespace or name: "
            "use letters, digits, '-' and '.'"
        )
    check_length(value, limit, what)
    return value.replace(".", "_")


def check_length(value: str, limit: int, what: str) -> None:
    """Kubernetes' length limits, checked wherever a name enters (the CLI, the bus)."""
    if len(value) > limit:
        raise InvalidSubject(
            f"{what} {_shown(value)} is {len(value)} characters long; "
            f"Kubernetes allows at most {limit}"
        )


def _shown(value: str) -> str:
    """A name as an error message quotes it: a long one is cut, so the line stays short."""
    return repr(value) if len(value) <= 40 else repr(value[:32] + "…")


def encode_namespace(namespace: str) -> str:
    """A namespace's subject token: a namespace is a DNS label in Kubernetes."""
    return encode_name(namespace, LABEL_LIMIT, "namespace")


def check_rollout(namespace: str, name: str) -> None:
    """Both names of a rollout within Kubernetes' limits (InvalidSubject says which is not)."""
    encode_namespace(namespace)
    encode_name(name)


def decode_name(token: str) -> str:
    return token.replace("_", ".")


def _check_type(event_type: str) -> str:
    if not event_type or not _TYPE_CHARS.issuperset(event_type):
        raise InvalidSubject(f"{event_type!r} is not a valid event type name")
    return event_type


def event_subject(namespace: str, name: str, event_type: str) -> str:
    """Where one event of a rollout is published: `rollouts.evt.<ns>.<name>.<Type>`."""
    return f"{rollout_prefix(namespace, name)}.{_check_type(event_type)}"


def rollout_prefix(namespace: str, name: str) -> str:
    return f"{EVENT_PREFIX}.{encode_namespace(namespace)}.{encode_name(name)}"


def rollout_events_filter(namespace: str, name: str) -> str:
    """Every event of one rollout (the aggregate the concurrency check covers)."""
    return f"{rollout_prefix(namespace, name)}.*"


def event_type_filter(event_type: str) -> str:
    """One event type across every rollout, e.g. for a worker's durable consumer."""
    return f"{EVENT_PREFIX}.*.*.{_check_type(event_type)}"


def input_subject(namespace: str, name: str) -> str:
    """Where inputs for one rollout are published: `rollouts.in.<ns>.<name>`."""
    return f"{INPUT_PREFIX}.{encode_namespace(namespace)}.{encode_name(name)}"


def parse_event_subject(subject: str) -> EventSubject:
    tokens = subject.split(".")
    if len(tokens) != _EVENT_TOKENS or f"{tokens[0]}.{tokens[1]}" != EVENT_PREFIX:
        raise InvalidSubject(
            f"{subject!r} is not an event subject ({EVENT_PREFIX}.<ns>.<name>.<Type>)"
        )
    namespace, name = decode_name(tokens[2]), decode_name(tokens[3])
    if not _names_a_rollout(namespace, name):  # a rogue publisher's 300-character name, say
        check_rollout(namespace, name)
    return EventSubject(namespace, name, tokens[4])


@functools.lru_cache(maxsize=16384)
def _names_a_rollout(namespace: str, name: str) -> bool:
    """Cached: every event read parses its subject, and replay is bounded by that rate."""
    try:
        check_rollout(namespace, name)
    except InvalidSubject:
        return False
    return True


def parse_input_subject(subject: str) -> InputSubject:
    tokens = subject.split(".")
    if len(tokens) != _INPUT_TOKENS or f"{tokens[0]}.{tokens[1]}" != INPUT_PREFIX:
        raise InvalidSubject(f"{subject!r} is not an input subject ({INPUT_PREFIX}.<ns>.<name>)")
    return InputSubject(decode_name(tokens[2]), decode_name(tokens[3]))


# Partitions. The input stream stores `rollouts.in.<ns>.<name>` as `rollouts.in.<p>.<ns>.<name>`
# (a subject transform with the server's `partition()` function), so each controller replica
# consumes only the partitions it holds a lease on.

_PARTITIONED_INPUT_TOKENS = 5


def partition_transform(partitions: int) -> tuple[str, str]:
    """(source, destination) of the input stream's subject transform."""
    destination = f"{INPUT_PREFIX}.{{{{partition({partitions},1,2)}}}}.{{{{wildcard(1)}}}}"
    return f"{INPUT_PREFIX}.*.*", destination + ".{{wildcard(2)}}"


def input_partition(namespace: str, name: str, partitions: int) -> int:
    """The partition the server puts a rollout's inputs in: FNV-1a (32 bit) of the two subject
    tokens written back to back, modulo the partition count, as nats-server computes it."""
    digest = 0x811C9DC5
    for byte in (encode_name(namespace) + encode_name(name)).encode():
        digest = ((digest ^ byte) * 0x01000193) & 0xFFFFFFFF
    return digest % partitions


def partition_filter(partition: int) -> str:
    """Every stored input of one partition."""
    return f"{INPUT_PREFIX}.{partition}.*.*"


def stored_input_filter(namespace: str, name: str) -> str:
    """Every stored input of one rollout, whatever its partition."""
    return f"{INPUT_PREFIX}.*.{encode_name(namespace)}.{encode_name(name)}"


def parse_partitioned_input_subject(subject: str) -> tuple[int, str, str]:
    """(partition, namespace, name) of a stored input's subject."""
    tokens = subject.split(".")
    if (
        len(tokens) != _PARTITIONED_INPUT_TOKENS
        or f"{tokens[0]}.{tokens[1]}" != INPUT_PREFIX
        or not tokens[2].isdigit()
    ):
        raise InvalidSubject(
            f"{subject!r} is not a stored input subject ({INPUT_PREFIX}.<partition>.<ns>.<name>)"
        )
    return int(tokens[2]), decode_name(tokens[3]), decode_name(tokens[4])


def published_input_subject(stored: str) -> str:
    """The subject an input was published on (`rollouts.in.<ns>.<name>`), from the one it is
    stored under; any other subject is returned as it is."""
    try:
        _, namespace, name = parse_partitioned_input_subject(stored)
    except InvalidSubject:
        return stored
    tokens = stored.split(".")
    return f"{INPUT_PREFIX}.{tokens[3]}.{tokens[4]}" if namespace and name else stored
