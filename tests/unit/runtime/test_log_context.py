"""Fields bound around a delivery reach every line logged while it runs, and no other line."""

from __future__ import annotations

import asyncio

import structlog
from structlog.testing import capture_logs

from adapters.runtime.log_context import bound, merge_bound

log = structlog.get_logger("test")


def test_bound_fields_reach_lines_inside_the_block_only() -> None:
    with capture_logs(processors=[merge_bound]) as logs:
        with bound(rollout="ns/a", revision=2):
            log.info("inside")
            with bound(revision=3, causation_id="c"):
                log.info("nested")
            log.info("after.nested", revision=9)
        log.info("outside")
    by_event = {line["event"]: line for line in logs}
    assert by_event["inside"]["rollout"] == "ns/a" and by_event["inside"]["revision"] == 2
    assert dict(by_event["nested"]) == {
        "event": "nested",
        "log_level": "info",
        "rollout": "ns/a",
        "revision": 3,
        "causation_id": "c",
    }
    assert "causation_id" not in by_event["after.nested"]
    assert by_event["after.nested"]["revision"] == 9, "a line's own field wins"
    assert "rollout" not in by_event["outside"]


async def test_each_task_has_its_own_fields_and_a_started_task_inherits() -> None:
    async def handle(name: str) -> None:
        with bound(rollout=name):
            await asyncio.sleep(0)
            log.info("handled")
            await asyncio.create_task(child())

    async def child() -> None:
        log.info("child")

    with capture_logs(processors=[merge_bound]) as logs:
        await asyncio.gather(handle("ns/a"), handle("ns/b"))
    assert sorted((line["event"], line["rollout"]) for line in logs) == [
        ("child", "ns/a"),
        ("child", "ns/b"),
        ("handled", "ns/a"),
        ("handled", "ns/b"),
    ]
