"""The audit as plain text (a terminal) and as JSON (tools).

The text puts each decision's cause on its own line and what it changed below it, so long
causes and messages never squeeze a column.
"""

from __future__ import annotations

from typing import Any

from adapters.history.causes import Cause
from adapters.history.formatting import duration, iso, timestamp
from adapters.history.revisions import RevisionRecord
from adapters.history.timeline import Audit, Entry, RevisionAudit


def _sequences(entry: Entry) -> str:
    if entry.first_sequence == entry.last_sequence:
        return f"#{entry.first_sequence}"
    return f"#{entry.first_sequence}-{entry.last_sequence}"


def outcome_text(record: RevisionRecord) -> str:
    parts: list[str] = [record.outcome]
    if record.outcome in ("completed", "aborted"):
        moment = record.completed_at if record.outcome == "completed" else record.aborts[-1].at
        parts.append(f"at {timestamp(moment)}")
    if record.superseded_by is not None:
        verb = "rolled back by" if record.rolled_back else "superseded by"
        if record.outcome == "completed" and not record.rolled_back:
            verb = "replaced by"
        parts.append(f"({verb} revision {record.superseded_by})")
    return " ".join(parts)


def revision_facts(revision: RevisionAudit) -> str:
    record = revision.record
    facts = [
        f"lead time {duration(record.lead_seconds)}",
        f"paused {duration(revision.paused_seconds)}",
        f"{len(record.aborts)} abort(s)",
    ]
    if record.rollback:
        facts.append(f"rollback to ReplicaSet {record.pod_template_hash}")
    return ", ".join(facts)


def _entry_lines(entry: Entry) -> list[str]:
    head = f"  {timestamp(entry.at)}  {_sequences(entry):<9} {entry.cause.label()}"
    return [head, *(f"{'':24}- {change.text}" for change in entry.changes)]


def _revision_lines(revision: RevisionAudit) -> list[str]:
    record = revision.record
    lines = [
        f"REVISION {record.revision}  {record.images or '?'} ({record.pod_template_hash})  "
        f"{outcome_text(record)}",
        f"  started {timestamp(record.started_at)}; {revision_facts(revision)}",
    ]
    for step in record.steps:
        lines.append(
            f"  step {step.index + 1} ({step.step}): {duration(step.seconds)}, "
            f"completed {timestamp(step.completed_at)}"
        )
    for entry in revision.entries:
        lines.extend(_entry_lines(entry))
    return lines


def header(audit: Audit) -> str:
    first, last = audit.first_event, audit.last_event
    return (
        f"Rollout {audit.namespace}/{audit.name}: {len(audit.revisions)} revision(s), events "
        f"#{first.rollout_sequence}-#{last.rollout_sequence} "
        f"({timestamp(first.envelope.time)} to {timestamp(last.envelope.time)})"
    )


def render_text(audit: Audit) -> str:
    lines = [header(audit)]
    if audit.preamble:
        lines.append("BEFORE THE FIRST REVISION")
        for entry in audit.preamble:
            lines.extend(_entry_lines(entry))
    for revision in audit.revisions:
        lines.append("")
        lines.extend(_revision_lines(revision))
    return "\n".join(lines) + "\n"


def cause_json(cause: Cause) -> dict[str, Any]:
    return {
        "input_id": cause.input_id,
        "kind": cause.kind,
        "summary": cause.summary,
        "actor": cause.actor,
        "input_type": cause.input_type or None,
        "published_at": iso(cause.published_at),
        "from_inputs_stream": cause.from_inputs_stream,
    }


def entry_json(entry: Entry) -> dict[str, Any]:
    return {
        "at": iso(entry.at),
        "first_sequence": entry.first_sequence,
        "last_sequence": entry.last_sequence,
        "cause": cause_json(entry.cause),
        "changes": [
            {"sequence": c.sequence, "type": c.type, "text": c.text} for c in entry.changes
        ],
    }


def revision_json(revision: RevisionAudit) -> dict[str, Any]:
    record = revision.record
    return {
        "revision": record.revision,
        "pod_template_hash": record.pod_template_hash,
        "images": record.images,
        "rollback": record.rollback,
        "started_at": iso(record.started_at),
        "started_by": record.started_by,
        "outcome": record.outcome,
        "completed_at": iso(record.completed_at),
        "healthy_at": iso(record.healthy_at),
        "superseded_by": record.superseded_by,
        "rolled_back": record.rolled_back,
        "aborts": [{"at": iso(a.at), "message": a.message} for a in record.aborts],
        "lead_time_seconds": record.lead_seconds,
        "paused_seconds": revision.paused_seconds,
        "steps": [
            {
                "index": s.index,
                "step": s.step,
                "started_at": iso(s.started_at),
                "completed_at": iso(s.completed_at),
                "seconds": s.seconds,
            }
            for s in record.steps
        ],
        "timeline": [entry_json(entry) for entry in revision.entries],
    }


def render_json(audit: Audit) -> dict[str, Any]:
    return {
        "rollout": f"{audit.namespace}/{audit.name}",
        "since": iso(audit.since),
        "until": iso(audit.until),
        "generated_at": iso(audit.now),
        "first_sequence": audit.first_event.rollout_sequence,
        "last_sequence": audit.last_event.rollout_sequence,
        "preamble": [entry_json(entry) for entry in audit.preamble],
        "revisions": [revision_json(revision) for revision in audit.revisions],
    }
