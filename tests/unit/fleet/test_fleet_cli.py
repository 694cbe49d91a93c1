"""`rollouts fleet` refuses a bad manifest or an unreachable hub with one line, exit 1."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from adapters.cli.main import app
from tests.unit.fleet.fleetdata import fleet_manifest

runner = CliRunner()


def test_apply_names_every_bad_field(tmp_path: Path) -> None:
    manifest = fleet_manifest(manualGates=[9])
    manifest["spec"]["waves"][0]["clusters"].append({"name": "prod-eu-west-1"})
    path = tmp_path / "fleet.yaml"
    path.write_text(yaml.safe_dump(manifest))
    result = runner.invoke(app, ["fleet", "apply", "-f", str(path), "--hub", "nats://127.0.0.1:1"])
    assert result.exit_code == 1
    assert "spec.manualGates[0]: wave 9 does not exist" in result.output
    assert "spec.waves[2].clusters[1].name: cluster prod-eu-west-1 is already in wave 0" in (
        result.output
    )
    assert "Traceback" not in result.output


def test_unreachable_hub_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["fleet", "get", "payments", "--hub", "nats://127.0.0.1:1"])
    assert result.exit_code == 5  # connection failure
    assert "cannot connect to the fleet hub at nats://127.0.0.1:1" in result.output
    assert "Traceback" not in result.output
