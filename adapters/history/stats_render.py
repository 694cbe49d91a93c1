"""Delivery stats as a table (one row per rollout, then the overall row) and as JSON."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from adapters.history.formatting import duration, iso, timestamp
from adapters.history.revisions import RevisionRecord
from adapters.history.stats import DeliveryStats, Incident, mean, median
from events.phases import RolloutPhase

COLUMNS = (
    ("ROLLOUT", 24),
    ("DEPLOYS", 8),
    ("PER DAY", 8),
    ("FAILED", 7),
    ("CFR", 7),
    ("MTTR", 8),
    ("OPEN", 5),
    ("LEAD", 8),
    *((phase.value.upper(), 12) for phase in RolloutPhase),
)


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _row(stats: DeliveryStats) -> list[str]:
    phases = stats.mean_phase_seconds()
    return [
        stats.label,
        str(len(stats.revisions)),
        f"{stats.deployments_per_day:.2f}",
        str(stats.failed),
        _rate(stats.change_failure_rate),
        duration(mean(stats.restore_seconds)),
        str(stats.unresolved),
        duration(mean(stats.lead_seconds)),
        *(duration(phases[phase]) for phase in RolloutPhase),
    ]


def _line(values: Sequence[str]) -> str:
    cells = [f"{value:<{width}}" for value, (_, width) in zip(values, COLUMNS, strict=True)]
    return " ".join(cells).rstrip()


def render_table(
    per_rollout: Sequence[DeliveryStats], total: DeliveryStats, since: datetime | None
) -> str:
    window = f"since {timestamp(since)}" if since else "over the whole history"
    lines = [
        f"Delivery stats {window}, as of {timestamp(total.now)} ({total.days} day(s)); "
        "MTTR, LEAD and phase columns are means",
        _line([name for name, _ in COLUMNS]),
    ]
    lines.extend(_line(_row(stats)) for stats in per_rollout)
    lines.append(_line(_row(total)))
    by_day = ", ".join(f"{day}: {count}" for day, count in total.deployments_by_day.items())
    lines.append(f"deployments by day: {by_day or 'none'}")
    return "\n".join(lines) + "\n"


def stats_json(stats: DeliveryStats) -> dict[str, Any]:
    lead = stats.lead_seconds
    restore = stats.restore_seconds
    return {
        "rollout": stats.label,
        "window_start": iso(stats.start),
        "days": stats.days,
        "deployments": len(stats.revisions),
        "deployments_per_day": stats.deployments_per_day,
        "deployments_by_day": stats.deployments_by_day,
        "failed_deployments": stats.failed,
        "change_failure_rate": stats.change_failure_rate,
        "time_to_restore_seconds": {
            "mean": mean(restore),
            "median": median(restore),
            "restored": len(restore),
            "unresolved": stats.unresolved,
        },
        "lead_time_seconds": {"mean": mean(lead), "median": median(lead), "count": len(lead)},
        "mean_seconds_in_phase": {
            phase.value: seconds for phase, seconds in stats.mean_phase_seconds().items()
        },
        "incidents": [_incident(incident) for incident in stats.incidents],
        "revisions": [_revision(record) for record in stats.revisions],
    }


def _incident(incident: Incident) -> dict[str, Any]:
    return {
        "started_at": iso(incident.started_at),
        "restored_at": iso(incident.restored_at),
        "seconds": incident.seconds,
        "trigger": incident.trigger,
    }


def _revision(record: RevisionRecord) -> dict[str, Any]:
    return {
        "revision": record.revision,
        "started_at": iso(record.started_at),
        "outcome": record.outcome,
        "failed": record.failed,
        "lead_time_seconds": record.lead_seconds,
    }


def render_json(
    per_rollout: Sequence[DeliveryStats], total: DeliveryStats, since: datetime | None
) -> dict[str, Any]:
    overall = stats_json(total)
    overall.pop("revisions")
    overall.pop("incidents")
    return {
        "since": iso(since),
        "generated_at": iso(total.now),
        "overall": overall,
        "rollouts": [stats_json(stats) for stats in per_rollout],
    }
