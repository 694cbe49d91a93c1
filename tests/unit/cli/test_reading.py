"""get, list, status, events and replay, read from an in-memory history."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from typer.testing import CliRunner

import events.inputs as inp
from adapters.cli.main import app
from events.base import EVENT_TYPES
from tests.support.sim import Sim
from tests.unit.cli import scenarios
from tests.unit.cli.fakes import FakeClient


def promote_later(fake: FakeClient, sim: Sim) -> None:
    """What the controller appends after the command starts waiting: a full promotion."""
    mark = sim.mark()
    sim.command(inp.Promote, full=True)
    sim.platform()
    sim.run_timers()
    fake.live.append((sim.namespace, sim.name, sim.since(mark)))


def test_get_rollout_shows_the_tree(runner: CliRunner, fake: FakeClient) -> None:
    sim = scenarios.canary_paused()
    fake.seed(sim)
    for kind in ("rollout", "ro"):
        result = runner.invoke(app, ["get", kind, "demo"])
        assert result.exit_code == 0, result.output
        assert "Status:         ॥ Paused" in result.stdout
        assert "  Step:         1/4" in result.stdout
        assert f"demo-{sim.state.current_pod_hash}" in result.stdout


def test_get_knows_only_rollouts(runner: CliRunner, fake: FakeClient) -> None:
    result = runner.invoke(app, ["get", "pods", "demo"])
    assert result.exit_code == 2
    assert result.stderr == "error: unknown kind 'pods': only `get rollout NAME` exists\n"


def test_get_watch_renders_again_on_each_event(runner: CliRunner, fake: FakeClient) -> None:
    sim = scenarios.canary_paused()
    fake.seed(sim)
    promote_later(fake, sim)
    result = runner.invoke(app, ["get", "rollout", "demo", "--watch"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("Name:           demo") > 2
    assert "Status:         ॥ Paused" in result.stdout.split("event #")[0]
    assert result.stdout.rsplit("event #", 1)[1].count("Status:         ✔ Healthy") == 1


def test_list_rollouts(runner: CliRunner, fake: FakeClient) -> None:
    fake.seed(scenarios.canary_paused()).seed(scenarios.blue_green_preview())
    elsewhere = scenarios.canary_aborted()
    elsewhere.namespace = "prod"
    fake.seed(elsewhere)
    result = runner.invoke(app, ["list", "rollouts"])
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines()]
    assert rows[0] == [
        "NAMESPACE",
        "NAME",
        "STRATEGY",
        "STATUS",
        "STEP",
        "SET-WEIGHT",
        "READY",
        "AVAILABLE",
        "AGE",
    ]
    assert [row[:7] for row in rows[1:]] == [
        ["default", "bg", "BlueGreen", "॥", "Paused", "-", "-"],
        ["default", "demo", "Canary", "॥", "Paused", "1/4", "20"],
    ]
    assert rows[2][7:9] == ["5/4", "5"]
    everywhere = runner.invoke(app, ["list", "-A"])
    assert [line.split()[:2] for line in everywhere.stdout.splitlines()[1:]] == [
        ["default", "bg"],
        ["default", "demo"],
        ["prod", "demo"],
    ]


def test_list_nothing(runner: CliRunner, fake: FakeClient) -> None:
    result = runner.invoke(app, ["list", "-n", "empty"])
    assert result.exit_code == 0
    assert result.stderr == "No resources found in empty namespace.\n"
    assert runner.invoke(app, ["list", "pods"]).exit_code == 2


@pytest.mark.parametrize(
    ("scenario", "code", "line"),
    [
        (scenarios.canary_paused, 6, "Paused - CanaryPauseStep"),
        (scenarios.canary_promoted, 0, "Healthy"),
        (
            scenarios.canary_aborted,
            1,
            "Degraded - RolloutAborted: Rollout aborted update to revision 2",
        ),
        (scenarios.canary_analysing, 6, "Progressing - more replicas need to be updated"),
    ],
)
def test_status_once(
    runner: CliRunner, fake: FakeClient, scenario: Callable[[], Sim], code: int, line: str
) -> None:
    fake.seed(scenario())
    result = runner.invoke(app, ["status", "demo", "--no-watch"])
    assert (result.exit_code, result.stdout) == (code, line + "\n")


def test_status_watch_follows_until_healthy(runner: CliRunner, fake: FakeClient) -> None:
    sim = scenarios.canary_paused()
    fake.seed(sim)
    promote_later(fake, sim)
    result = runner.invoke(app, ["status", "demo"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Paused - CanaryPauseStep" and lines[-1] == "Healthy"
    assert len(lines) == len(set(lines)) and len(lines) > 2


def test_status_watch_stops_at_degraded(runner: CliRunner, fake: FakeClient) -> None:
    sim = scenarios.canary_paused()
    fake.seed(sim)
    mark = sim.mark()
    sim.command(inp.Abort)
    fake.live.append(("default", "demo", sim.since(mark)))
    result = runner.invoke(app, ["status", "demo", "-t", "1m"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1].startswith("Degraded - RolloutAborted")


def test_status_watch_times_out_with_exit_four(runner: CliRunner, fake: FakeClient) -> None:
    fake.seed(scenarios.canary_paused())
    fake.hang = True
    result = runner.invoke(app, ["status", "demo", "--timeout", "200ms"])
    assert result.exit_code == 4
    assert result.stderr == (
        "error: timed out after 0.2s waiting for rollout default/demo (Paused - CanaryPauseStep)\n"
    )


def test_status_rejects_a_bad_timeout(runner: CliRunner, fake: FakeClient) -> None:
    result = runner.invoke(app, ["status", "demo", "--timeout", "soon"])
    assert result.exit_code == 2 and "--timeout" in result.output


def test_events_table_has_a_summary_per_event(runner: CliRunner, fake: FakeClient) -> None:
    sim = scenarios.canary_aborted()
    fake.seed(sim)
    result = runner.invoke(app, ["events", "demo"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["SEQ", "TIME", "TYPE", "SUMMARY"]
    assert len(lines) == len(sim.events) + 1
    first = lines[1].split(maxsplit=3)
    assert first[0] == "1" and first[1] == "2026-01-01T00:00:00.000Z"
    assert first[2] == type(sim.events[0]).__name__
    aborted = next(line for line in lines if " RolloutAborted " in line)
    assert aborted.endswith("aborted revision 2: Rollout aborted update to revision 2")


def test_events_filtered_by_type(runner: CliRunner, fake: FakeClient) -> None:
    fake.seed(scenarios.canary_aborted())
    result = runner.invoke(
        app, ["events", "demo", "--type", "RolloutPhaseChanged", "-t", "RolloutAborted"]
    )
    types = {line.split()[2] for line in result.stdout.splitlines()[1:]}
    assert types == {"RolloutPhaseChanged", "RolloutAborted"}
    bad = runner.invoke(app, ["events", "demo", "--type", "Nope"])
    assert bad.exit_code == 2 and bad.stderr.startswith("error: unknown event type(s) Nope; known:")


def test_events_json_is_one_cloudevent_per_line(runner: CliRunner, fake: FakeClient) -> None:
    sim = scenarios.canary_paused()
    fake.seed(sim)
    result = runner.invoke(app, ["events", "demo", "-o", "json"])
    documents = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(documents) == len(sim.events)
    for sequence, document in enumerate(documents, start=1):
        assert document["specversion"] == "1.0" and document["subject"] == "default/demo"
        assert document["type"] in EVENT_TYPES and document["rolloutsequence"] == sequence
        assert isinstance(document["data"], dict)


def test_events_follow_prints_new_events(runner: CliRunner, fake: FakeClient) -> None:
    sim = scenarios.canary_paused()
    fake.seed(sim)
    before = len(sim.events)
    promote_later(fake, sim)
    result = runner.invoke(app, ["events", "demo", "--follow"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()[1:]
    assert len(lines) == len(sim.events)
    assert [int(line.split()[0]) for line in lines] == list(range(1, len(sim.events) + 1))
    assert "full promotion requested" in "\n".join(lines[before:])


def test_replay_shows_an_earlier_state(runner: CliRunner, fake: FakeClient) -> None:
    sim = scenarios.canary_paused()
    fake.seed(sim)
    result = runner.invoke(app, ["replay", "demo", "--at", "3"])
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith("as of event #3 (2026-01-01T00:00:00+00:00), latest #")
    assert "revision:1" in result.stdout and "revision:2" not in result.stdout
    latest = runner.invoke(app, ["replay", "demo"])
    assert "revision:2" in latest.stdout and "॥ Paused" in latest.stdout


def test_replay_at_a_time(runner: CliRunner, fake: FakeClient) -> None:
    fake.seed(scenarios.canary_paused())
    result = runner.invoke(app, ["replay", "demo", "--at", "2026-01-01T00:05:00Z"])
    assert result.exit_code == 0, result.output
    assert "✔ Healthy" in result.stdout and "revision:2" not in result.stdout


@pytest.mark.parametrize(
    ("at", "message", "code"),
    [
        ("yesterday", "error: --at: bad value 'yesterday': expected an event number", 2),
        ("0", "error: no event #0: the history has events #1 to #", 3),
        ("2025-12-31T00:00:00", "error: no events at or before 2025-12-31T00:00:00+00:00", 3),
    ],
)
def test_replay_bad_points(
    runner: CliRunner, fake: FakeClient, at: str, message: str, code: int
) -> None:
    fake.seed(scenarios.canary_paused())
    result = runner.invoke(app, ["replay", "demo", "--at", at])
    assert result.exit_code == code
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
