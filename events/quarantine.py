"""Messages on the event stream that no reader can decode: quarantined, never fatal.

Only the controller should write `rollouts.evt.>`, but a stream may still hold what it did not
write: `{}` with no headers, a type from a newer writer, a payload cut short. A reader that
raised on such a message would blind the operator to every rollout (one `load_all` fails) and
stop the controller deciding for that rollout. So every reader decodes through
`decode_stored`, which turns a message it cannot read into an `Unreadable` placeholder:

- it keeps the message's place (stream sequence, and the rollout it was published under), so
  the rollout's version still counts it and the store's concurrency check still passes;
- `evolve` folds it as nothing (the history before and after it is unchanged);
- the CLI shows it as "unreadable event at sequence N (reason)".

`Unreadable` is not registered in `EVENT_TYPES`: no publisher can claim its type name.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, datetime

from events.base import Event
from events.codec import H_CAUSATION_ID, H_ROLLOUT_SEQUENCE, H_TIME, H_TYPE, EventCodec
from events.envelope import Envelope, rollout_subject
from events.store import StoredEvent
from events.subjects import InvalidSubject, parse_event_subject

REASON_LIMIT = 200
"""Characters of a reason kept: one log line, one CLI row."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Unreadable(Event):
    """A message that could not be decoded, in its place in the history."""

    sequence: int
    """The message's stream sequence."""
    subject: str
    """The NATS subject it was published on."""
    claimed_type: str
    """The type its `ce-type` header (or subject) claims; the envelope says `Unreadable`, so
    no reader that dispatches on the type mistakes it for that type."""
    reason: str

    def describe(self) -> str:
        return f"unreadable event at sequence {self.sequence} ({self.reason})"


def one_line(error: BaseException) -> str:
    """A decoding error as one short line (pydantic's reports span many)."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 1] + "…"


def decode_stored(
    codec: EventCodec,
    subject: str,
    sequence: int,
    headers: Mapping[str, str] | None,
    data: bytes,
) -> StoredEvent:
    """The stored event, or its `Unreadable` placeholder when it cannot be decoded.

    Headers beginning `Nats-` (direct get adds them) are not CloudEvents attributes: the codec
    ignores them, so a message reads the same with or without them.
    """
    try:  # the codec reads only the ce-* headers it names: no need to filter out `Nats-*` ones
        envelope, event = codec.decode(headers, data)
    except Exception as error:  # decoding is pure: any failure is the message's
        return unreadable(subject, sequence, _attributes(headers), one_line(error))
    if envelope.subject != rollout_of(subject) or envelope.type != subject.rpartition(".")[2]:
        reason = f"ce-subject {envelope.subject!r}, ce-type {envelope.type!r} != {subject}"
        return unreadable(subject, sequence, _attributes(headers), reason)
    return StoredEvent(sequence, envelope.rolloutsequence, envelope, event)


def _attributes(headers: Mapping[str, str] | None) -> dict[str, str]:
    """The CloudEvents attributes of a message that cannot be read, and when a direct get says
    it was stored."""
    ce = {k: v for k, v in (headers or {}).items() if not k.startswith("Nats-")}
    return {"Nats-Time-Stamp": (headers or {}).get("Nats-Time-Stamp", ""), **ce}


def unreadable(subject: str, sequence: int, headers: Mapping[str, str], reason: str) -> StoredEvent:
    """The placeholder for the message at `sequence`: its rollout (from the subject; "" when
    the subject is not a rollout's), the type it claims, and why it cannot be read."""
    claimed = headers.get(H_TYPE) or subject.rpartition(".")[2] or "?"
    at = _time(headers.get(H_TIME) or headers.get("Nats-Time-Stamp", ""))
    cause = headers.get(H_CAUSATION_ID, "")
    event = Unreadable(
        cause=cause,
        at=at,
        sequence=sequence,
        subject=subject,
        claimed_type=claimed[:100],
        reason=reason or "unknown",
    )
    envelope = Envelope(
        id=f"unreadable-{sequence}",
        source="",
        type=Unreadable.type_name(),
        time=at,
        subject=rollout_of(subject),
        rolloutsequence=_int(headers.get(H_ROLLOUT_SEQUENCE, "")),
        causationid=cause,
        dataschemaversion=0,
    )
    return StoredEvent(sequence, envelope.rolloutsequence, envelope, event)


def is_unreadable(stored: StoredEvent) -> bool:
    return isinstance(stored.event, Unreadable)


@functools.lru_cache(maxsize=65536)
def rollout_of(subject: str) -> str:
    """The `namespace/name` an event subject belongs to ("" for none). Cached: every read
    checks it, and one rollout's subjects repeat through its history."""
    try:
        parsed = parse_event_subject(subject)
    except InvalidSubject:
        return ""
    return rollout_subject(parsed.namespace, parsed.name)


def _time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return _EPOCH
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _int(text: str) -> int:
    try:
        return max(int(text), 0)
    except ValueError:
        return 0
