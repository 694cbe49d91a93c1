"""`rollouts lint` checks FleetRollout manifests, with the same path-named problems."""

from __future__ import annotations

from pathlib import Path

import yaml

from adapters.cli.lint import lint_files
from tests.unit.fleet.fleetdata import fleet_manifest


def test_lint_passes_a_good_fleet_and_names_the_field_of_a_bad_one(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(yaml.safe_dump(fleet_manifest(form="generators")))
    broken = fleet_manifest(manualGates=[5])
    broken["spec"]["waves"][1]["clusters"][0]["canaryWeigth"] = 3
    bad.write_text(yaml.safe_dump(broken))
    assert lint_files([str(good)], ignore_unknown_kinds=False).errors == 0
    report = lint_files([str(bad)], ignore_unknown_kinds=False)
    paths = sorted(p.path for p in report.problems)
    assert paths == ["spec.waves[1].clusters[0].canaryWeigth"], [str(p) for p in report.problems]
