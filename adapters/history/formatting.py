"""Times and durations as the audit and stats print them: UTC, to the second."""

from __future__ import annotations

from datetime import UTC, datetime


def timestamp(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso(moment: datetime | None) -> str | None:
    """For JSON: full precision, UTC, `Z` suffix."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def duration(seconds: float | None) -> str:
    """45s, 6m30s, 1h5m, 2d3h: two units at most, rounded down to the second."""
    if seconds is None:
        return "-"
    whole = max(0, int(seconds))
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d{hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h{minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m{secs}s" if secs else f"{minutes}m"
    return f"{secs}s"
