"""The audit as Markdown for a post-incident review: a summary table of revisions, then per
revision its facts, its step timings and its timeline (time, events, cause, what happened).

Cells are escaped (`|` and line breaks), so any message from the stream keeps the table whole.
"""

from __future__ import annotations

from collections.abc import Sequence

from adapters.history.audit_render import outcome_text, revision_facts
from adapters.history.formatting import duration, timestamp
from adapters.history.timeline import Audit, Entry, RevisionAudit


def cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = [
        "| " + " | ".join(head) + " |",
        "|" + "|".join("---" for _ in head) + "|",
    ]
    lines.extend("| " + " | ".join(cell(value) for value in row) + " |" for row in rows)
    return lines


def _summary(audit: Audit) -> list[str]:
    rows = [
        [
            str(r.record.revision),
            r.record.images or "?",
            timestamp(r.record.started_at),
            r.record.outcome,
            duration(r.record.lead_seconds),
            duration(r.paused_seconds),
            str(len(r.record.aborts)),
        ]
        for r in audit.revisions
    ]
    head = ["Revision", "Images", "Started (UTC)", "Outcome", "Lead time", "Paused", "Aborts"]
    return ["## Summary", "", *table(head, rows), ""]


def _timeline_rows(entries: Sequence[Entry]) -> list[list[str]]:
    rows = []
    for entry in entries:
        seq = f"{entry.first_sequence}-{entry.last_sequence}"
        what = "<br>".join(cell(change.text) for change in entry.changes)
        rows.append([timestamp(entry.at), seq, cell(entry.cause.label()), what])
    return rows


def _timeline(entries: Sequence[Entry]) -> list[str]:
    head = ["Time (UTC)", "Events", "Cause", "What happened"]
    lines = ["| " + " | ".join(head) + " |", "|---|---|---|---|"]
    lines.extend("| " + " | ".join(row) + " |" for row in _timeline_rows(entries))
    return lines


def _revision(revision: RevisionAudit) -> list[str]:
    record = revision.record
    facts = revision_facts(revision)
    lines = [
        f"## Revision {record.revision}: {cell(record.images or '?')} "
        f"(`{record.pod_template_hash}`)",
        "",
        f"- Started: {timestamp(record.started_at)} (input `{record.started_by}`)",
        f"- Outcome: **{outcome_text(record)}**",
        f"- {facts[:1].upper()}{facts[1:]}",
    ]
    for abort in record.aborts:
        lines.append(f"- Aborted at {timestamp(abort.at)}: {cell(abort.message)}")
    if record.steps:
        rows = [
            [str(s.index + 1), s.step, timestamp(s.started_at), duration(s.seconds)]
            for s in record.steps
        ]
        lines += ["", "### Steps", "", *table(["Step", "Definition", "Started", "Took"], rows)]
    if revision.entries:
        lines += ["", "### Timeline", "", *_timeline(revision.entries)]
    return [*lines, ""]


def render_markdown(audit: Audit) -> str:
    first, last = audit.first_event, audit.last_event
    window = ""
    if audit.since or audit.until:
        window = f" Window: {timestamp(audit.since)} to {timestamp(audit.until)}."
    lines = [
        f"# Rollout audit: {audit.namespace}/{audit.name}",
        "",
        f"Events #{first.rollout_sequence} to #{last.rollout_sequence}, "
        f"{timestamp(first.envelope.time)} to {timestamp(last.envelope.time)}; generated "
        f"{timestamp(audit.now)}.{window}",
        "",
        *_summary(audit),
    ]
    if audit.preamble:
        lines += ["## Before the first revision", "", *_timeline(audit.preamble), ""]
    for revision in audit.revisions:
        lines.extend(_revision(revision))
    return "\n".join(lines).rstrip("\n") + "\n"
