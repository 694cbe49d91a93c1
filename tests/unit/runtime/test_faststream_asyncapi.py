"""`rollouts schema asyncapi`: FastStream's document of the workers' subscribers names every
subject a worker consumes (the running process's own subscribers are compared with it in
tests/integration/runtime/test_faststream_connection.py)."""

from __future__ import annotations

import json
from typing import Any

from faststream.specification.asyncapi.v3_0_0.schema import ApplicationSchema
from typer.testing import CliRunner

from adapters.cli.main import app as cli
from adapters.workers.asyncapi import asyncapi_document
from adapters.workers.partition_feeds import LEGACY_FEED, partition_feed
from adapters.workers.subscriptions import event_filters
from adapters.workers.wiring import EFFECT_EVENTS
from events.streams import INPUT_PARTITIONS


def subjects(document: dict[str, Any]) -> dict[str, str]:
    """Each documented subject, and the deliver group (durable) reading it."""
    bindings = [channel["bindings"]["nats"] for channel in document["channels"].values()]
    return {binding["subject"]: binding.get("queue", "") for binding in bindings}


def covers(pattern: str, subject: str) -> bool:
    """Whether NATS subject `pattern` (with * and >) takes every message of `subject`."""
    want, have = pattern.split("."), subject.split(".")
    for index, token in enumerate(want):
        if token == ">":
            return len(have) > index
        if index >= len(have) or token not in ("*", have[index]):
            return False
    return len(want) == len(have)


def test_the_document_is_asyncapi_3_and_lists_every_effect_consumers_subjects() -> None:
    document = asyncapi_document()
    ApplicationSchema.model_validate(document)
    assert document["asyncapi"] == "3.0.0"
    documented = subjects(document)
    for durable, event_types in EFFECT_EVENTS.items():
        for subject in event_filters(event_types):
            assert documented.get(subject) == durable, (durable, subject)


def test_the_controllers_partition_feeds_are_covered() -> None:
    documented = subjects(asyncapi_document())
    feeds = [*(partition_feed(p) for p in range(INPUT_PARTITIONS)), LEGACY_FEED]
    for feed in feeds:
        for subject in feed.filters:
            assert any(covers(pattern, subject) for pattern in documented), subject


def test_covers_reads_wildcards_as_nats_does() -> None:
    assert covers("rollouts.in.*.*.*", "rollouts.in.3.*.*")
    assert covers("rollouts.evt.>", "rollouts.evt.*.*.X")
    assert not covers("rollouts.in.*.*.*", "rollouts.in.*.*")
    assert not covers("rollouts.evt.>", "rollouts.evt")


def test_the_command_prints_the_document_or_writes_it(tmp_path: Any) -> None:
    runner = CliRunner()
    printed = runner.invoke(cli, ["schema", "asyncapi"])
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.output) == json.loads(json.dumps(asyncapi_document()))
    target = tmp_path / "out" / "workers.json"
    written = runner.invoke(cli, ["schema", "asyncapi", "-o", str(target)])
    assert written.exit_code == 0 and json.loads(target.read_text()) == json.loads(printed.output)
