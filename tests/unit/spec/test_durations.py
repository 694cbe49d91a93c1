from __future__ import annotations

import pytest

from rollouts.durations import format_seconds, parse_go_duration, parse_pause_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0", 0.0),
        ("-0", 0.0),
        ("+0", 0.0),
        ("30s", 30.0),
        ("10m", 600.0),
        ("1h", 3600.0),
        ("1h30m", 5400.0),
        ("1.5h", 5400.0),
        ("2h45m30s", 9930.0),
        ("1ms", 0.001),
        ("1500us", 0.0015),
        ("1500\u00b5s", 0.0015),
        ("1500\u03bcs", 0.0015),
        ("100ns", 1e-7),
        (".5s", 0.5),
        ("5.s", 5.0),
        ("-1m", -60.0),
        ("+2s", 2.0),
        ("1h1h", 7200.0),
    ],
)
def test_go_durations_parse_like_go(text: str, seconds: float) -> None:
    assert parse_go_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "expected a string"),
        ("30", "unit"),
        ("1z", "unknown unit 'z'"),
        ("1d", "unknown unit 'd'"),
        ("s", "expected a number"),
        (".s", "expected a number"),
        ("1h ", "unknown unit"),
        (" 1h", "expected a number"),
        ("1.2.3s", "expected a number followed by a unit"),
        ("-", "expected a string"),
        ("9999999999h", "too large"),
    ],
)
def test_go_durations_reject_what_go_rejects(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match="invalid duration") as info:
        parse_go_duration(text)
    assert reason in str(info.value)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (30, 30),
        ("30", 30),
        ("+30", 30),
        (0, 0),
        ("0", 0),
        ("30s", 30),
        ("10m", 600),
        ("1h30m", 5400),
        ("1.5h", 5400),
        ("1ms", 0),
        ("1999ms", 1),
        (2**31 - 1, 2**31 - 1),
    ],
)
def test_pause_durations_are_whole_seconds(value: int | str, seconds: int) -> None:
    assert parse_pause_duration(value) == seconds


@pytest.mark.parametrize(
    "value",
    ["1z", "", "abc", "-5", -5, "-5s", 2**31, "9999999999", "600000h", 1.5, True, None],
)
def test_pause_durations_reject_invalid_values(value: object) -> None:
    with pytest.raises(ValueError, match="Duration needs to be greater than 0"):
        parse_pause_duration(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (30, "30s"), (600, "10m"), (5400, "1h30m"), (3605, "1h5s"), (86400, "24h")],
)
def test_format_seconds_is_compact(seconds: int, text: str) -> None:
    assert format_seconds(seconds) == text
