"""The CLI against a real system: apply, watch, update, promote, abort, read the history."""

from __future__ import annotations

import json

import pytest

from events.codec import DEFAULT_CODEC
from tests.integration.cli.conftest import System, manifest_yaml

pytestmark = pytest.mark.integration


async def deployed(system: System) -> None:
    applied = await system.cli("apply", "-f", system.write("v1.yaml", manifest_yaml()))
    assert applied.exit_code == 0, applied.output
    assert applied.stdout == "rollout default/demo created\n"
    healthy = await system.cli("status", "demo", "--timeout", "30s")
    assert healthy.exit_code == 0, healthy.output
    assert healthy.stdout.splitlines()[-1] == "Healthy"


async def paused_at_first_pause(system: System) -> None:
    updated = await system.cli("set", "image", "demo", "demo=nginx:2")
    assert updated.exit_code == 0, updated.output
    assert updated.stdout == 'rollout "demo" image updated\n'
    await system.until(
        lambda r: r.stdout == "Paused - CanaryPauseStep\n", "status", "demo", "--no-watch"
    )


async def test_update_promote_until_healthy(system: System) -> None:
    await deployed(system)
    await paused_at_first_pause(system)
    shown = await system.cli("get", "rollout", "demo")
    assert shown.exit_code == 0, shown.output
    assert "Status:         ॥ Paused" in shown.stdout
    assert "nginx:2 (canary)" in shown.stdout and "nginx:1 (stable)" in shown.stdout
    assert "  Step:         1/4" in shown.stdout and "  SetWeight:    20" in shown.stdout
    assert "revision:2" in shown.stdout and "canary ready:1/1" in shown.stdout

    promoted = await system.cli("promote", "demo")
    assert promoted.exit_code == 0, promoted.output
    assert promoted.stdout == "rollout 'demo' promoted\n"
    done = await system.cli("status", "demo", "--timeout", "30s")
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines()[-1] == "Healthy"

    listed = await system.cli("list", "rollouts")
    assert listed.stdout.splitlines()[1].split()[:5] == [
        "default",
        "demo",
        "Canary",
        "✔",
        "Healthy",
    ]

    before = await system.settled()
    again = await system.cli("promote", "demo")
    assert again.exit_code == 1
    assert again.stderr.startswith(
        "error: nothing to promote: rollout default/demo is fully promoted"
    )
    assert again.stdout == "" and await system.last_sequence() == before


async def test_abort_degrades_and_is_in_the_history(system: System) -> None:
    await deployed(system)
    await paused_at_first_pause(system)
    aborted = await system.cli("abort", "demo")
    assert aborted.exit_code == 0, aborted.output
    assert aborted.stdout == "rollout 'demo' aborted\n"
    status = await system.cli("status", "demo", "--timeout", "30s")
    assert status.exit_code == 1
    assert status.stdout.splitlines()[-1].startswith("Degraded - RolloutAborted:")
    history = await system.cli("events", "demo", "--type", "RolloutAborted")
    rows = history.stdout.splitlines()
    assert rows[0].split() == ["SEQ", "TIME", "TYPE", "SUMMARY"]
    assert len(rows) == 2 and " RolloutAborted " in rows[1] and "aborted revision 2" in rows[1]

    retried = await system.cli("retry", "rollout", "demo")
    assert retried.exit_code == 0 and retried.stdout == "rollout 'demo' retried\n"


async def test_malformed_manifest_appends_nothing(system: System) -> None:
    await deployed(system)
    before = await system.settled()
    bad = manifest_yaml(image="nginx:3").replace("setWeight: 20", "setWeight: twenty")
    bad = bad.replace("replicas: 2", "replicas: many")
    result = await system.cli("apply", "-f", system.write("bad.yaml", bad))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[-1] == "error: 2 problem(s) found; nothing was applied"
    assert any("spec.replicas" in line for line in lines)
    assert any("steps[0].setWeight" in line for line in lines)
    assert await system.last_sequence() == before


async def test_events_json_and_replay(system: System) -> None:
    await deployed(system)
    result = await system.cli("events", "demo", "-o", "json")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) >= 5
    for number, line in enumerate(lines, start=1):
        document = json.loads(line)
        envelope, event = DEFAULT_CODEC.decode_structured(document)
        assert envelope.subject == "default/demo" and envelope.rolloutsequence == number
        assert type(event).__name__ == document["type"]

    early = await system.cli("replay", "demo", "--at", "3")
    assert early.exit_code == 0, early.output
    assert early.stdout.startswith("as of event #3 (")
    now = await system.cli("get", "rollout", "demo")
    assert "Status:         ✔ Healthy" in now.stdout
    assert "Status:         ✔ Healthy" not in early.stdout


async def test_unknown_rollout_and_no_controller_errors(system: System) -> None:
    missing = await system.cli("get", "rollout", "ghost")
    assert (missing.exit_code, missing.stderr) == (3, "error: rollout default/ghost not found\n")
