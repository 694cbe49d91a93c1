"""`get rollout` shows how long a rollout has been paused, its limit and what happens next."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from rich.console import Console

import events.inputs as inp
from adapters.cli.errors import explain
from adapters.cli.pause_view import controller_default
from adapters.cli.render import render_rollout
from adapters.cli.view import build_view
from adapters.runtime.pause_settings import PauseSettingError
from events.pause_limit import PauseLimit
from tests.support.sim import T0, Sim, rollout_manifest

STEPS: list[dict[str, Any]] = [{"setWeight": 50}, {"pause": {}}]


def _paused(annotations: dict[str, str]) -> Sim:
    sim = Sim()
    for image in ("app:1", "app:2"):
        manifest = rollout_manifest(replicas=2, image=image, canary={"steps": STEPS})
        manifest["metadata"]["annotations"] = annotations
        sim.deploy(manifest)
    return sim


def _lines(sim: Sim, minutes: int) -> list[str]:
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(
        render_rollout(build_view(sim.state, sim.events), T0 + timedelta(minutes=minutes))
    )
    text = console.file.getvalue()  # type: ignore[attr-defined]
    return [line.rstrip() for line in text.splitlines() if line.startswith("Pause limit:")]


@pytest.fixture(autouse=True)
def _no_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROLLOUTS_MAX_PAUSE", raising=False)
    monkeypatch.delenv("ROLLOUTS_MAX_PAUSE_ACTION", raising=False)


def test_a_pending_limit_shows_the_action_and_when() -> None:
    sim = _paused({"rollouts.dev/max-pause": "10m", "rollouts.dev/max-pause-action": "abort"})
    assert _lines(sim, 2) == [
        "Pause limit:    paused 2m, limit 10m (rollouts.dev/max-pause) → abort at "
        "2026-01-01 00:10:00 UTC"
    ]


def test_a_reached_limit_shows_what_was_done() -> None:
    sim = _paused({})
    sim.now = T0 + timedelta(minutes=10)
    sim.send(inp.Tick(input_id="t", pause_limit=PauseLimit(seconds=600)))
    assert _lines(sim, 12) == [
        "Pause limit:    paused 12m, limit 10m (controller default) → notified at "
        "2026-01-01 00:10:00 UTC"
    ]


def test_the_default_comes_from_the_environment_and_nothing_shows_without_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sim = _paused({})
    assert _lines(sim, 1) == []
    monkeypatch.setenv("ROLLOUTS_MAX_PAUSE", "1h")
    monkeypatch.setenv("ROLLOUTS_MAX_PAUSE_ACTION", "promote")
    assert _lines(sim, 1) == [
        "Pause limit:    paused 1m, limit 1h (controller default) → promote at "
        "2026-01-01 01:00:00 UTC"
    ]
    assert controller_default({"ROLLOUTS_MAX_PAUSE": "never"}) is None


def test_nothing_shows_once_the_pause_ended() -> None:
    sim = _paused({"rollouts.dev/max-pause": "10m"})
    sim.command(inp.Promote)
    sim.platform()
    assert _lines(sim, 2) == []


def test_an_unusable_setting_is_one_line_naming_the_variable() -> None:
    error = explain(PauseSettingError("ROLLOUTS_MAX_PAUSE: '10x' is not a pause limit"))
    assert error is not None and str(error) == "ROLLOUTS_MAX_PAUSE: '10x' is not a pause limit"
