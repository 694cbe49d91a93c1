"""The export file format: lines round-trip every event, and bad files are refused whole."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.history.transfer import (
    ImportFileError,
    decisions,
    export_line,
    notifications_line,
    pack,
    read_export,
    read_file,
    rollouts_of,
    template_line,
)
from events.base import EVENT_TYPES, Event
from tests.unit.events.strategies import events_of
from tests.unit.history.histories import (
    blue_green,
    canary_abort_retry_promote,
    store_decisions,
)

ANY_EVENT = st.sampled_from(sorted(EVENT_TYPES)).flatmap(lambda name: events_of(EVENT_TYPES[name]))


def test_rich_histories_round_trip_line_by_line() -> None:
    stored = canary_abort_retry_promote().stored() + blue_green().stored()
    records = read_export(export_line(s) for s in stored)
    assert [(r.envelope, r.event) for r in records] == [(s.envelope, s.event) for s in stored]
    assert rollouts_of(records) == [("default", "demo"), ("default", "shop")]
    assert [r.line for r in records] == list(range(1, len(stored) + 1))


def test_a_line_is_a_structured_cloudevent() -> None:
    first = canary_abort_retry_promote().stored()[0]
    document = json.loads(export_line(first))
    assert sorted(document) == sorted(
        [
            "specversion",
            "id",
            "source",
            "type",
            "subject",
            "time",
            "datacontenttype",
            "rolloutsequence",
            "causationid",
            "dataschemaversion",
            "data",
        ]
    )
    assert document["id"] == first.envelope.id and document["subject"] == "default/demo"
    assert document["data"] == json.loads(first.event.model_dump_json())


@settings(max_examples=150, deadline=None)
@given(ANY_EVENT)
def test_any_event_survives_export(event: Event) -> None:
    stored = store_decisions("default", "demo", [[event]])
    (record,) = read_export([export_line(stored[0])])
    assert record.event == event
    assert record.event.model_dump_json() == event.model_dump_json()


def test_decisions_group_consecutive_events_of_one_cause() -> None:
    sim = canary_abort_retry_promote()
    records = read_export(export_line(s) for s in sim.stored())
    assert [len(group) for group in decisions(records)] == [len(d) for d in sim.decisions]


def lines_of_demo() -> list[str]:
    return [export_line(s) for s in canary_abort_retry_promote().stored()]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda lines: [*lines[:3], "{not json", *lines[3:]],
            "line 4: structured event is not JSON",
        ),
        (lambda lines: [lines[0], lines[1].replace('"SpecApplied"', '"Nope"')], "line 2"),
        (
            lambda lines: lines[:2] + lines[3:],
            "line 3: default/demo event has rollout sequence 4, expected 3",
        ),
        (lambda lines: lines[1:], "line 1: default/demo event has rollout sequence 2, expected 1"),
        (lambda lines: [*lines, lines[0]], "repeats line 1"),
    ],
)
def test_damaged_files_are_refused(damage: object, message: str) -> None:
    lines = damage(lines_of_demo())  # type: ignore[operator]
    with pytest.raises(ImportFileError) as refused:
        read_export(lines)
    assert message in str(refused.value)


def test_unknown_types_and_bad_payloads_name_the_line() -> None:
    lines = lines_of_demo()
    document = json.loads(lines[1])
    document["type"] = "FromTheFuture"
    with pytest.raises(ImportFileError, match=r"line 2: unknown event type 'FromTheFuture'"):
        read_export([lines[0], json.dumps(document)])
    document = json.loads(lines[0])
    del document["data"]["command"]
    with pytest.raises(ImportFileError, match=r"line 1: CommandAccepted payload is invalid"):
        read_export([json.dumps(document)])


def test_blank_lines_are_skipped() -> None:
    lines = lines_of_demo()
    assert len(read_export(["", *lines, "  "])) == len(lines)


def test_batches_keep_decisions_whole_and_stay_under_the_limit() -> None:
    records = read_export(lines_of_demo())
    groups = decisions(records)
    for limit in (1, 5, 12, 1000):
        batches = pack(groups, limit)
        assert [r for batch in batches for r in batch] == records  # file order, nothing lost
        biggest = max(len(group) for group in groups)
        assert all(len(batch) <= max(limit, biggest) for batch in batches)
        ends = {id(group[-1]) for group in groups}
        assert all(id(batch[-1]) in ends for batch in batches)  # never half a decision
    assert len(pack(groups, 1000)) == 1


def test_templates_and_notifications_ride_along() -> None:
    template = {"apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisTemplate", "spec": {}}
    config = [{"kind": "ConfigMap", "data": {"trigger.x": "- send: [y]"}}]
    lines = [notifications_line(config), template_line(template), *lines_of_demo()]
    contents = read_file(lines)
    assert contents.templates == [template] and contents.notifications == config
    assert contents.records[0].line == 3
    assert read_export(lines) == contents.records


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"kind": "Rollout"}', "line 1: neither an event"),
        ('{"kind": "NotificationConfiguration"}', "line 1: NotificationConfiguration without"),
    ],
)
def test_other_lines_are_refused(line: str, message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        read_file([line, *lines_of_demo()])


def test_one_notification_configuration_only() -> None:
    once = notifications_line([])
    with pytest.raises(ImportFileError, match="line 2: a second NotificationConfiguration"):
        read_file([once, once, *lines_of_demo()])
