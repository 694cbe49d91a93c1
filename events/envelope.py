"""The CloudEvents 1.0 envelope around every event on the stream.

Attributes are the standard ones plus three extensions that readers need without decoding the
payload: `rolloutsequence` (the event's 1-based position in its rollout's history, stable
across re-publishing and independent of the shared stream's numbering), `causationid` (the input
that caused it) and `dataschemaversion` (which version of the payload's model wrote it, read by
the upcasters).

Event ids are derived, not random: a retried publish of the same decision produces the same ids,
so JetStream's duplicate window (and the store's retry check) drops the copy, while a decision
taken again after a conflict starts from a different `expected_version` and gets new ids.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from events.base import Event

SPEC_VERSION = "1.0"
JSON_CONTENT_TYPE = "application/json"
DEFAULT_SOURCE = "/rollouts-controller"

_ID_NAMESPACE = uuid.UUID("6f1c2a52-3b8e-5d7a-9c41-2e0b7d9a4f10")
_ID_PREFIX = _ID_NAMESPACE.bytes


def event_id(cause: str, expected_version: int, index: int, *, namespace: str, name: str) -> str:
    """The id of the `index`-th event of the decision on `cause` taken at `expected_version`.

    The rollout is part of the key because input ids are chosen by many publishers and need not
    be unique across rollouts, while JetStream deduplicates over the whole stream.

    This is `str(uuid.uuid5(_ID_NAMESPACE, key))`, computed without the `UUID` object (a third
    of the cost, and every appended event pays it); the tests hold the two equal.
    """
    key = f"{namespace}/{name}\x1f{cause}\x1f{expected_version}\x1f{index}"
    digest = bytearray(hashlib.sha1(_ID_PREFIX + key.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    text = digest.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def rollout_subject(namespace: str, name: str) -> str:
    """The CloudEvents `subject` of a rollout's events."""
    return f"{namespace}/{name}"


def as_utc(moment: datetime) -> datetime:
    """CloudEvents times carry an offset; the domain's naive times are taken to be UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@dataclass(frozen=True, slots=True)
class Envelope:
    id: str
    source: str
    type: str
    time: datetime
    subject: str
    rolloutsequence: int
    causationid: str
    dataschemaversion: int
    specversion: str = SPEC_VERSION
    datacontenttype: str = JSON_CONTENT_TYPE

    @property
    def namespace(self) -> str:
        return self.subject.partition("/")[0]

    @property
    def name(self) -> str:
        return self.subject.partition("/")[2]

    @classmethod
    def for_event(
        cls,
        event: Event,
        *,
        namespace: str,
        name: str,
        rollout_sequence: int,
        id: str,
        source: str = DEFAULT_SOURCE,
    ) -> Envelope:
        return cls(
            id=id,
            source=source,
            type=event.type_name(),
            time=as_utc(event.at),
            subject=rollout_subject(namespace, name),
            rolloutsequence=rollout_sequence,
            causationid=event.cause,
            dataschemaversion=event.schema_version,
        )
