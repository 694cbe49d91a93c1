"""The export file: JSON Lines, one CloudEvents structured-mode event per line.

Each line holds every attribute the stream keeps (id, source, type, subject, time,
rolloutsequence, causationid, dataschemaversion) and the payload under `data`. Events are
written in stream order, already upcast to the current schema (the line's
`dataschemaversion` says so), so a file is read by this version without upcasters and by later
versions through them.

The file also carries what the histories need to be acted on again, before the events: the
AnalysisTemplates and ClusterAnalysisTemplates of the template bucket, one manifest per line
(`apiVersion`, `kind`, no `specversion`), and, when asked for, the notification configuration
as one line `{"kind": "NotificationConfiguration", "documents": [...]}` (never its Secrets). A
reader that wants events only skips those lines.

Reading checks the whole file before anything is imported: every line decodes, ids are unique,
and each rollout's events are its complete history (rollout sequences 1, 2, 3, ...), since an
import recreates histories from their start.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from events.base import Event
from events.codec import DEFAULT_CODEC, MalformedEvent, UnknownEventType
from events.envelope import Envelope
from events.store import MAX_EVENTS_PER_APPEND, StoredEvent
from events.subjects import InvalidSubject, rollout_events_filter

Rollout = tuple[str, str]
TEMPLATE_KINDS = frozenset({"AnalysisTemplate", "ClusterAnalysisTemplate"})
NOTIFICATIONS_KIND = "NotificationConfiguration"


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


@dataclass(frozen=True, slots=True)
class ExportContents:
    records: list[ImportRecord]
    templates: list[dict[str, Any]] = field(default_factory=list)
    """Template manifests, as `template_document` writes them."""
    notifications: list[Any] | None = None
    """The notification configuration's YAML documents (None: the file has none)."""


def template_line(document: dict[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def notifications_line(documents: Sequence[Any]) -> str:
    document = {"kind": NOTIFICATIONS_KIND, "documents": list(documents)}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def _extra(number: int, text: str) -> dict[str, Any] | None:
    """The template or notification configuration on this line, or None (an event's line)."""
    try:
        document = json.loads(text)
    except ValueError:
        return None
    if not isinstance(document, dict) or "specversion" in document:
        return None
    kind = document.get("kind")
    if kind == NOTIFICATIONS_KIND and not isinstance(document.get("documents"), list):
        raise ImportFileError(f"line {number}: {NOTIFICATIONS_KIND} without a documents list")
    if kind not in TEMPLATE_KINDS and kind != NOTIFICATIONS_KIND:
        raise ImportFileError(
            f"line {number}: neither an event (no specversion) nor an AnalysisTemplate, "
            f"ClusterAnalysisTemplate or {NOTIFICATIONS_KIND} (kind {kind!r})"
        )
    return document


def read_file(lines: Iterable[str]) -> ExportContents:
    """Events, templates and notification configuration of an export file, checked; blank
    lines are skipped."""
    contents = ExportContents([])
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        extra = _extra(number, text)
        if extra is None:
            contents.records.append(_record(number, text))
        elif extra["kind"] != NOTIFICATIONS_KIND:
            contents.templates.append(extra)
        elif contents.notifications is not None:
            raise ImportFileError(f"line {number}: a second {NOTIFICATIONS_KIND}")
        else:
            contents = dataclasses.replace(contents, notifications=extra["documents"])
    _check_ids(contents.records)
    _check_histories(contents.records)
    return contents


def _record(number: int, text: str) -> ImportRecord:
    try:
        envelope, event = DEFAULT_CODEC.decode_structured(text)
        rollout_events_filter(envelope.namespace, envelope.name)
    except (MalformedEvent, UnknownEventType, InvalidSubject) as bad:
        raise ImportFileError(f"line {number}: {bad}") from None
    return ImportRecord(number, envelope, event)


def read_export(lines: Iterable[str]) -> list[ImportRecord]:
    """Every event of the file, checked; blank lines and template lines are skipped."""
    return read_file(lines).records


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


def pack(groups: Sequence[list[ImportRecord]], limit: int) -> list[list[ImportRecord]]:
    """Consecutive decisions in batches of at most `limit` events (the server's atomic batch
    limit), in file order; a decision is never split, so no reader sees half of one."""
    batches: list[list[ImportRecord]] = []
    for group in groups:
        if batches and len(batches[-1]) + len(group) <= limit:
            batches[-1].extend(group)
        else:
            batches.append(list(group))
    return batches


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
