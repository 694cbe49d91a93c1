"""`rollouts delete NAME` on the local system (issue 12): the rollout is gone from `list`,
`get` and `status` (exit 3), its history stays, and `apply` of the name starts a new life."""

from __future__ import annotations

import pytest

from tests.integration.cli.conftest import System, manifest_yaml
from tests.integration.cli.test_cli_flow import deployed, paused_at_first_pause

pytestmark = pytest.mark.integration


async def test_delete_then_apply_again(system: System) -> None:
    await deployed(system)
    await paused_at_first_pause(system)
    deleted = await system.cli("delete", "demo")
    assert deleted.exit_code == 0, deleted.output
    assert deleted.stdout == 'rollout.argoproj.io "demo" deleted\n'
    for args in (("get", "rollout", "demo"), ("status", "demo", "--no-watch"), ("delete", "demo")):
        gone = await system.cli(*args)
        assert gone.exit_code == 3, (args, gone.output)
        assert gone.stderr.startswith("error: rollout default/demo not found: deleted at ")
    listed = await system.cli("list")
    assert listed.exit_code == 0 and listed.stdout == ""
    assert "No resources found in default namespace." in listed.stderr
    history = await system.cli("events", "demo", "--type", "RolloutDeleted")
    (row,) = history.stdout.splitlines()[1:]
    assert "DELETED (life 1 ended, RolloutDeleteCommand)" in row

    applied = await system.cli("apply", "-f", system.write("again.yaml", manifest_yaml("nginx:2")))
    assert applied.exit_code == 0, applied.output
    assert applied.stdout == "rollout default/demo created\n"
    healthy = await system.cli("status", "demo", "--timeout", "30s")
    assert healthy.exit_code == 0, healthy.output
    shown = await system.cli("get", "rollout", "demo")
    assert "revision:1" in shown.stdout and "nginx:2 (stable)" in shown.stdout
