"""A read the server refuses says what happened, not a dump of the status headers."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from events.store import EventStoreError
from events.stream_reader import _Pull


def pull() -> _Pull:
    js: Any = SimpleNamespace(_nc=SimpleNamespace(new_inbox=lambda: "_INBOX.test"))
    return _Pull(js, "ROLLOUTS", end=10, wanted=10, page=5)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("503", "reading stream ROLLOUTS failed: status 503 (no responder: a server or the"),
        ("409", "reading stream ROLLOUTS failed: status 409"),
    ],
)
def test_a_refused_read_is_one_plain_line(status: str, expected: str) -> None:
    reader = pull()
    reader._status({"Status": status, "Description": "\nNats-Subject: $JS.API.X"})
    failure = reader.pages.get_nowait()
    assert isinstance(failure, EventStoreError)
    assert str(failure).startswith(expected)
    assert "Nats-Subject" not in str(failure) and "{" not in str(failure)


def test_the_end_of_the_stream_is_no_failure() -> None:
    reader = pull()
    reader._status({"Status": "404"})
    assert reader.pages.get_nowait() is None
