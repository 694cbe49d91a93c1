"""`rollouts fleet` against a real hub and four regions, run as a user runs it."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import yaml

from tests.integration.fleet.fleetspec import fleet_manifest
from tests.support.fleet import Fleet

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROLLOUTS = str(Path(sys.executable).parent / "rollouts")


async def cli(fleet: Fleet, *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        ROLLOUTS,
        "fleet",
        *args,
        "--hub",
        fleet.servers.hub.url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_apply_status_get_events_abort(fleet: Fleet, tmp_path: Path) -> None:
    path = tmp_path / "fleet.yaml"
    path.write_text(yaml.safe_dump(fleet_manifest("payments:v1")))
    assert await cli(fleet, "apply", "-f", str(path)) == (0, "fleetrollout payments configured\n")
    code, output = await cli(fleet, "status", "payments", "--timeout", "60s")
    assert code == 0, output
    assert output.splitlines()[-1].startswith("Healthy - revision 1")
    code, output = await cli(fleet, "get", "payments")
    assert code == 0
    assert "prod-ap-southeast-1" in output and output.count("done") == 4, output
    code, output = await cli(fleet, "events", "payments")
    assert code == 0 and output.count("FleetWaveStarted") == 3, output
    code, output = await cli(fleet, "abort", "payments")
    assert code == 1 and "no rollout in progress" in output and "Traceback" not in output
    path.write_text(yaml.safe_dump(fleet_manifest("payments:v2", pause="")))
    assert (await cli(fleet, "apply", "-f", str(path)))[0] == 0
    code, output = await cli(fleet, "status", "payments", "--timeout", "2s")
    assert code == 4 and "timed out" in output
    assert (await cli(fleet, "abort", "payments", "--reason", "test"))[0] == 0
    code, output = await cli(fleet, "status", "payments", "--no-watch")
    assert code == 1 and output.startswith("Degraded - revision 2"), output
