"""`rollouts restart` on the local platform (embedded NATS, every worker, real loopback pods).

Every pod created before restartAt is replaced by a new one, one at a time for two replicas
(25% rounds down to 0, and at least one may go), with no new revision; `--in` waits for its
time; the history tells the whole story."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from adapters.local import LocalPlatform
from rollouts.ports import RolloutRef
from tests.integration.cli.conftest import System, manifest_yaml

pytestmark = pytest.mark.integration

DEMO = RolloutRef("default", "demo")


def platform_of(system: System) -> LocalPlatform:
    platform = system.app.config.ports.platform
    assert isinstance(platform, LocalPlatform)
    return platform


async def pods(system: System) -> dict[str, datetime]:
    found = await platform_of(system).list_pods(DEMO, hashes(system), 0)
    return {pod.name: pod.created_at for pod in found}


def hashes(system: System) -> list[str]:
    runtime_sets = platform_of(system)._replica_sets  # the test's own view of the platform
    return [runtime.info.spec.pod_template_hash for runtime in runtime_sets.of(DEMO)]


async def deployed(system: System) -> None:
    applied = await system.cli("apply", "-f", system.write("v1.yaml", manifest_yaml()))
    assert applied.exit_code == 0, applied.output
    healthy = await system.cli("status", "demo", "--timeout", "30s")
    assert healthy.stdout.splitlines()[-1] == "Healthy", healthy.output


async def restarted(system: System, timeout: float = 30) -> list[str]:
    """The history's restart lines once `RolloutRestarted` is in it."""
    async with asyncio.timeout(timeout):
        while True:
            shown = await system.cli("events", "demo")
            if "restarted (restartedAt" in shown.stdout:
                return shown.stdout.splitlines()
            await asyncio.sleep(0.2)


async def test_restart_replaces_every_pod_with_no_new_revision(system: System) -> None:
    await deployed(system)
    await asyncio.sleep(1.1)  # restartAt has whole seconds: the pods must be older than it
    before = await pods(system)
    assert len(before) == 2
    done = await system.cli("restart", "demo")
    assert done.exit_code == 0, done.output
    assert done.stdout == "rollout 'demo' restarts in 0s\n"
    lines = await restarted(system)
    evictions = [line for line in lines if ": evicting " in line]
    assert len(evictions) == 2, lines  # one pod at a time
    assert not any("revision 2 created" in line for line in lines)
    healthy = await system.cli("status", "demo", "--timeout", "30s")
    assert healthy.stdout.splitlines()[-1] == "Healthy", healthy.output
    after = await pods(system)
    assert len(after) == 2 and not set(after) & set(before)
    assert min(after.values()) > max(before.values())


async def test_restart_in_the_future_waits_for_its_time(system: System) -> None:
    await deployed(system)
    await asyncio.sleep(1.1)
    before = await pods(system)
    asked = datetime.now(UTC)
    done = await system.cli("restart", "demo", "--in", "3s")
    assert done.exit_code == 0, done.output
    assert done.stdout == "rollout 'demo' restarts in 3s\n"
    status = await system.cli("status", "demo", "--no-watch")
    assert status.stdout == "Progressing - rollout is restarting\n"
    assert set(await pods(system)) == set(before)
    await restarted(system)
    assert (datetime.now(UTC) - asked).total_seconds() >= 2
    assert not set(await pods(system)) & set(before)


async def test_restart_refusals_are_one_line_and_append_nothing(system: System) -> None:
    await deployed(system)
    bad = await system.cli("restart", "demo", "--in", "soon")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: --in: invalid duration 'soon'")
    missing = await system.cli("restart", "nosuch")
    assert missing.exit_code == 3, missing.output
    assert "nosuch" in missing.stderr and "Traceback" not in missing.output
