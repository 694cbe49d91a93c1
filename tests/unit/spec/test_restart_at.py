"""`spec.restartAt` is read like Kubernetes' metav1.Time: RFC 3339 with a zone, kept in UTC
with whole seconds; anything else is refused in one line naming the field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rollouts.spec import Rollout
from rollouts.spec.restart_at import parse_rfc3339, rfc3339
from tests.unit.spec.helpers import base_rollout, errors_of, with_fields


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-02T15:04:05Z", datetime(2026, 1, 2, 15, 4, 5, tzinfo=UTC)),
        ("2026-01-02T15:04:05.999Z", datetime(2026, 1, 2, 15, 4, 5, tzinfo=UTC)),
        ("2026-01-02T17:04:05+02:00", datetime(2026, 1, 2, 15, 4, 5, tzinfo=UTC)),
        ("2026-01-02t15:04:05z", datetime(2026, 1, 2, 15, 4, 5, tzinfo=UTC)),
    ],
)
def test_rfc3339_times_are_held_in_utc_with_whole_seconds(text: str, expected: datetime) -> None:
    assert parse_rfc3339(text) == expected
    assert rfc3339(parse_rfc3339(text)) == "2026-01-02T15:04:05Z"


def test_the_manifest_carries_restart_at_back_as_metav1_writes_it() -> None:
    doc = with_fields(base_rollout(), {"spec.restartAt": "2026-01-02T17:04:05.5+02:00"})
    rollout = Rollout.model_validate(doc)
    dumped = rollout.model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert dumped["spec"]["restartAt"] == "2026-01-02T15:04:05Z"


@pytest.mark.parametrize(
    "value",
    ["2026-01-02 15:04:05", "2026-01-02T15:04:05", "tomorrow", "2026-13-02T15:04:05Z", 1767366245],
)
def test_a_restart_at_that_is_not_rfc3339_is_refused_by_name(value: object) -> None:
    found = errors_of(with_fields(base_rollout(), {"spec.restartAt": value}))
    assert [path for path, _ in found] == ["spec.restartAt"], found
    assert "RFC 3339" in found[0][1]


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="RFC 3339"):
        parse_rfc3339(datetime(2026, 1, 2, 15, 4, 5))
