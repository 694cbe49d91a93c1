"""Inputs on the wire: `rollouts.in.<ns>.<name>` with CloudEvents headers, JSON payload.

Anyone may publish an input (the CLI, the Kubernetes watcher, a chat bot). `Nats-Msg-Id` is the
input id, so a publisher retrying after a lost ack does not deliver it twice. A publisher that
wants to know the outcome names a core-NATS subject in `rollouts-reply-to`; the controller
answers there with an `InputOutcome`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

import events.inputs as inp
from events.base import INPUT_TYPES, Input
from events.subjects import LABEL_LIMIT, InvalidSubject, check_length, input_subject

H_REPLY_TO = "rollouts-reply-to"


class MalformedInput(ValueError):
    """An input message that cannot be decoded; the message says what is wrong with it."""


class InputOutcome(BaseModel):
    """The controller's answer to one input."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    input_id: str
    status: Literal["accepted", "unchanged", "refused", "invalid"]
    message: str = ""
    events: int = 0
    version: int = 0


def encode_input(
    namespace: str,
    name: str,
    item: Input,
    *,
    reply_to: str | None = None,
    now: datetime | None = None,
) -> tuple[str, dict[str, str], bytes]:
    """(subject, headers, data) for publishing `item` to rollout `namespace/name`."""
    headers = {
        "ce-specversion": "1.0",
        "ce-id": item.input_id,
        "ce-type": item.type_name(),
        "ce-source": f"rollouts/{item.actor or 'anonymous'}",
        "ce-subject": f"{namespace}/{name}",
        "ce-time": (now or datetime.now(UTC)).isoformat(),
        "ce-datacontenttype": "application/json",
        "Nats-Msg-Id": item.input_id,
    }
    if reply_to:
        headers[H_REPLY_TO] = reply_to
    subject = input_subject(namespace, name)
    check_names(item)
    return subject, headers, item.model_dump_json().encode()


def decode_input(
    headers: Mapping[str, str] | None,
    data: bytes,
    types: Mapping[str, type[Input]] = INPUT_TYPES,
) -> Input:
    """The input carried by a message; MalformedInput names what is wrong."""
    type_name = (headers or {}).get("ce-type", "")
    cls = types.get(type_name)
    if cls is None:
        known = ", ".join(sorted(types))
        raise MalformedInput(f"unknown input type {type_name[:64]!r} (known: {known})")
    try:
        item = cls.model_validate_json(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in error.errors()
        )
        raise MalformedInput(f"invalid {type_name} input: {problems}") from None
    check_names(item)
    return item


_LIMITS: dict[type[Input], tuple[tuple[str, int], ...]] = {
    inp.SetImage: (("container", LABEL_LIMIT),),
    inp.ReplicaSetObserved: (("pod_template_hash", LABEL_LIMIT),),
}
"""Fields of inputs that name Kubernetes objects, and their limits: a container name is a DNS
label, a pod template hash becomes a label value. The rollout's own names come with the subject
and are checked there (a manifest must name the same rollout); run names are the controller's
own (`<rollout>-<hash>-<revision>-<step>`), echoed back by the analysis worker, so not limited."""


def check_names(item: Input) -> None:
    """Kubernetes' length limits on the names an input carries; MalformedInput names the field."""
    for field, limit in _LIMITS.get(type(item), ()):
        value = getattr(item, field)
        if isinstance(value, str) and value != "*":
            try:
                check_length(value, limit, field)
            except InvalidSubject as too_long:
                raise MalformedInput(f"invalid {item.type_name()} input: {too_long}") from None
