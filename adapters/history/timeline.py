"""The audit of one rollout: every transition with its cause, grouped by revision.

Built from the stored history alone (plus, when available, the recorded inputs), as a plain
data structure that the table, JSON and Markdown renderings share.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from adapters.history.causes import Cause, RecordedInput, explain
from adapters.history.decisions import Decision, group_decisions
from adapters.history.describe import describe, is_transition
from adapters.history.phases import PhaseInterval, phase_intervals, seconds_in
from adapters.history.revisions import RevisionRecord, revision_of_decisions, revision_records
from events.phases import RolloutPhase
from events.store import StoredEvent


@dataclass(frozen=True, slots=True)
class Change:
    sequence: int
    type: str
    text: str


@dataclass(frozen=True, slots=True)
class Entry:
    at: datetime
    first_sequence: int
    last_sequence: int
    revision: int
    cause: Cause
    changes: tuple[Change, ...]


@dataclass(frozen=True, slots=True)
class RevisionAudit:
    record: RevisionRecord
    entries: tuple[Entry, ...]
    paused_seconds: float
    end: datetime
    """When the revision stopped being current, or the audit's `now`."""


@dataclass(frozen=True, slots=True)
class Audit:
    namespace: str
    name: str
    revisions: tuple[RevisionAudit, ...]
    preamble: tuple[Entry, ...]
    """Transitions before the first revision (none in a normal history)."""
    first_event: StoredEvent
    last_event: StoredEvent
    now: datetime
    since: datetime | None = None
    until: datetime | None = None


def _entry(decision: Decision, revision: int, cause: Cause, everything: bool) -> Entry | None:
    changes = tuple(
        Change(s.rollout_sequence, s.envelope.type, describe(s.event))
        for s in decision.events
        if everything or is_transition(s.event)
    )
    if not changes:
        return None
    return Entry(
        decision.at, decision.first_sequence, decision.last_sequence, revision, cause, changes
    )


def _within(moment: datetime, since: datetime | None, until: datetime | None) -> bool:
    return (since is None or moment >= since) and (until is None or moment <= until)


def _entries(
    decisions: Sequence[Decision],
    inputs: Mapping[str, RecordedInput],
    window: tuple[datetime | None, datetime | None],
    everything: bool,
) -> list[Entry]:
    entries = []
    for decision, revision in zip(decisions, revision_of_decisions(decisions), strict=True):
        if not _within(decision.at, *window):
            continue
        cause = explain(decision, inputs.get(decision.cause))
        entry = _entry(decision, revision, cause, everything)
        if entry is not None:
            entries.append(entry)
    return entries


def _revision_audit(
    record: RevisionRecord,
    entries: Sequence[Entry],
    intervals: Sequence[PhaseInterval],
    now: datetime,
) -> RevisionAudit:
    end = record.ended_at or now
    paused = seconds_in(intervals, RolloutPhase.PAUSED, record.started_at, end)
    mine = tuple(entry for entry in entries if entry.revision == record.revision)
    return RevisionAudit(record, mine, paused, end)


def _meets(audit: RevisionAudit, since: datetime | None, until: datetime | None) -> bool:
    """Whether the revision's life [start, end] meets the window."""
    started_late = until is not None and audit.record.started_at > until
    ended_early = since is not None and audit.end < since
    return not (started_late or ended_early)


def build_audit(
    history: Sequence[StoredEvent],
    *,
    now: datetime,
    inputs: Mapping[str, RecordedInput] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    everything: bool = False,
) -> Audit:
    """The audit of a non-empty history. Revisions whose life does not meet [since, until]
    are left out; outcomes are always judged on the whole history."""
    if not history:
        raise ValueError("an audit needs at least one event")
    decisions = group_decisions(history)
    entries = _entries(decisions, inputs or {}, (since, until), everything)
    intervals = phase_intervals(history)
    audits = [_revision_audit(r, entries, intervals, now) for r in revision_records(decisions)]
    revisions = [audit for audit in audits if _meets(audit, since, until)]
    envelope = history[0].envelope
    return Audit(
        namespace=envelope.namespace,
        name=envelope.name,
        revisions=tuple(revisions),
        preamble=tuple(entry for entry in entries if entry.revision == 0),
        first_event=history[0],
        last_event=history[-1],
        now=now,
        since=since,
        until=until,
    )
