"""--since/--until values: absolute times and durations back from now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from adapters.history.window import BadTime, parse_time

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-01T08:30:00Z", datetime(2026, 3, 1, 8, 30, tzinfo=UTC)),
        ("2026-03-01T08:30:00", datetime(2026, 3, 1, 8, 30, tzinfo=UTC)),
        ("2026-03-01", datetime(2026, 3, 1, tzinfo=UTC)),
        (
            "2026-03-01T10:30:00+02:00",
            datetime(2026, 3, 1, 10, 30, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("90m", NOW - timedelta(minutes=90)),
        ("1h30m", NOW - timedelta(minutes=90)),
        (" 7d ", NOW - timedelta(days=7)),
        ("2w", NOW - timedelta(days=14)),
    ],
)
def test_times(text: str, expected: datetime) -> None:
    assert parse_time(text, NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "7 days", "", "12x"])
def test_bad_times_say_what_is_expected(text: str) -> None:
    with pytest.raises(BadTime, match=r"ISO 8601 time .* or a duration back from now"):
        parse_time(text, NOW)
