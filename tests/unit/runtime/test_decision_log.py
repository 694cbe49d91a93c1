"""Logs: one info line per decision that moves a phase or a step; no colour off a terminal."""

from __future__ import annotations

import asyncio
import io
from collections.abc import MutableMapping, Sequence
from datetime import datetime
from typing import Any

import pytest
import structlog
from structlog.testing import capture_logs

import events.inputs as inp
from adapters.runtime.decision_log import log_decision, step_of
from adapters.runtime.observability import configure_logging
from adapters.workers.controller import Controller
from events.memory import InMemoryEventStore
from tests.support.sim import T0, istio_canary, rollout_manifest
from tests.unit.cli import scenarios

ROUTED = istio_canary(scenarios.ROUTED_STEPS)


class Clock:
    def now(self) -> datetime:
        return T0


def moved(logs: Sequence[MutableMapping[str, Any]]) -> list[MutableMapping[str, Any]]:
    return [entry for entry in logs if entry["event"] == "rollout.moved"]


def test_a_promotion_logs_one_line_with_both_steps() -> None:
    sim = scenarios.canary_paused()
    before = sim.state
    with capture_logs() as logs:
        decided = sim.command(inp.Promote)
        assert log_decision(before, sim.state, decided)
    (line,) = moved(logs)
    assert line["log_level"] == "info"
    assert (line["was_step"], line["step"]) == ("2/4", "3/4")
    assert line["rollout"] == "default/demo"
    assert (line["was_phase"], line["phase"]) == ("Paused", "Progressing")


def test_a_decision_that_moves_nothing_logs_nothing() -> None:
    sim = scenarios.canary_paused()
    with capture_logs() as logs:
        assert not log_decision(sim.state, sim.state, [])
    assert moved(logs) == []


def test_steps_are_numbered_from_one_and_done_past_the_last() -> None:
    sim = scenarios.canary_promoted()
    assert step_of(sim.state) == "done/4"
    assert step_of(scenarios.canary_paused().state) == "2/4"


def test_the_controller_logs_each_move_once() -> None:
    store = InMemoryEventStore()
    controller = Controller(store, Clock())
    manifest = rollout_manifest(replicas=2, canary=ROUTED)

    async def run() -> None:
        await controller.handle("default", "demo", inp.ApplySpec(input_id="a", manifest=manifest))
        await controller.handle("default", "demo", inp.ApplySpec(input_id="b", manifest=manifest))
        await controller.handle("default", "demo", inp.Promote(input_id="c"))  # refused

    with capture_logs() as logs:
        asyncio.run(run())
    lines = moved(logs)
    assert len(lines) == 1, logs
    assert lines[0]["phase"] is not None and lines[0]["was_phase"] is None


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "no_color", "coloured"),
    [(io.StringIO, "", False), (Terminal, "", True), (Terminal, "1", False)],
)
def test_colour_only_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, stream: type[io.StringIO], no_color: str, coloured: bool
) -> None:
    err = stream()
    monkeypatch.setattr("sys.stderr", err)
    monkeypatch.setenv("NO_COLOR", no_color)
    saved = structlog.get_config()
    try:
        configure_logging(json_logs=False)
        structlog.get_logger("t").info("rollout.moved", phase="Paused")
    finally:
        structlog.configure(**saved)
    assert "rollout.moved" in err.getvalue()
    assert ("\x1b[" in err.getvalue()) is coloured
