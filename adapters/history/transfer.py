"""The export file: JSON Lines, one CloudEvents structured-mode event per line.

Each line holds every attribute the stream keeps (id, source, type, subject, time,
rolloutsequence, causationid, dataschemaversion) and the payload under `data`. Events are
written in stream order, already upcast to the current schema (the line's
`dataschemaversion` says so), so a file is read by this version without upcasters and by later
versions through them.

Reading checks the whole file before anything is imported: every line decodes, ids are unique,
and each rollout's events are its complete history (rollout sequences 1, 2, 3, ...), since an
import recreates histories from their start.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from events.base import Event
from events.codec import DEFAULT_CODEC, MalformedEvent, UnknownEventType
from events.envelope import Envelope
from events.store import MAX_EVENTS_PER_APPEND, StoredEvent
from events.subjects import InvalidSubject, rollout_events_filter

Rollout = tuple[str, str]


class ImportFileError(ValueError):
    """The file cannot be imported; nothing was written."""


@dataclass(frozen=True, slots=True)
class ImportRecord:
    line: int
    envelope: Envelope
    event: Event

    @property
    def rollout(self) -> Rollout:
        return (self.envelope.namespace, self.envelope.name)


def export_line(stored: StoredEvent) -> str:
    envelope = dataclasses.replace(
        stored.envelope, dataschemaversion=type(stored.event).schema_version
    )
    document = DEFAULT_CODEC.to_structured(envelope, stored.event)
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def _record(number: int, text: str) -> ImportRecord:
    try:
        envelope, event = DEFAULT_CODEC.decode_structured(text)
        rollout_events_filter(envelope.namespace, envelope.name)
    except (MalformedEvent, UnknownEventType, InvalidSubject) as bad:
        raise ImportFileError(f"line {number}: {bad}") from None
    return ImportRecord(number, envelope, event)


def read_export(lines: Iterable[str]) -> list[ImportRecord]:
    """Every event of the file, checked; blank lines are skipped."""
    records = [_record(n, text) for n, text in enumerate(lines, start=1) if text.strip()]
    _check_ids(records)
    _check_histories(records)
    return records


def _check_ids(records: Sequence[ImportRecord]) -> None:
    seen: dict[str, int] = {}
    for record in records:
        first = seen.setdefault(record.envelope.id, record.line)
        if first != record.line:
            raise ImportFileError(
                f"line {record.line}: event id {record.envelope.id} repeats line {first}"
            )


def _check_histories(records: Sequence[ImportRecord]) -> None:
    expected: dict[Rollout, int] = {}
    for record in records:
        wanted = expected.get(record.rollout, 1)
        if record.envelope.rolloutsequence != wanted:
            raise ImportFileError(
                f"line {record.line}: {'/'.join(record.rollout)} event has rollout sequence "
                f"{record.envelope.rolloutsequence}, expected {wanted} (an import needs each "
                "rollout's whole history, in order)"
            )
        expected[record.rollout] = wanted + 1


def rollouts_of(records: Iterable[ImportRecord]) -> list[Rollout]:
    return sorted({record.rollout for record in records})


def decisions(records: Sequence[ImportRecord]) -> list[list[ImportRecord]]:
    """Consecutive events of one rollout with one cause: the atomic units to append."""
    groups: list[list[ImportRecord]] = []
    for record in records:
        last = groups[-1] if groups else None
        if (
            last is not None
            and last[0].rollout == record.rollout
            and last[0].envelope.causationid == record.envelope.causationid
            and len(last) < MAX_EVENTS_PER_APPEND
        ):
            last.append(record)
        else:
            groups.append([record])
    return groups
