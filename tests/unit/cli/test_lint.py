from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.cli import main
from adapters.cli.errors import CliError
from adapters.cli.main import app

runner = CliRunner()
SEED = Path(__file__).parents[2] / "data" / "conformance" / "seed"

GOOD = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "web:1"}]}
  strategy:
    canary:
      steps:
      - setWeight: 20
      - analysis: {templates: [{templateName: rate}]}
"""
TEMPLATE = """\
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: rate}
spec:
  metrics:
  - name: up
    provider: {prometheus: {query: up}}
"""
SERVICE = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_valid_files_exit_zero_with_a_summary(tmp_path: Path) -> None:
    rollout = write(tmp_path, "r.yaml", GOOD)
    template = write(tmp_path, "t.yaml", TEMPLATE)
    result = runner.invoke(app, ["lint", "-f", rollout, "-f", template])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["2 file(s), 2 object(s): 0 error(s), 0 warning(s)"]


def test_errors_are_one_line_each_and_exit_one(tmp_path: Path) -> None:
    bad = GOOD.replace("setWeight: 20", "setWeight: 200").replace(
        "  selector: {matchLabels: {app: web}}\n", ""
    )
    path = write(tmp_path, "bad.yaml", f"{SERVICE}---\n{bad}")
    result = runner.invoke(app, ["lint", "-f", path, "--ignore-unknown-kinds"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{path}#2: spec.selector: Rollout has missing field '.spec.selector'",
        f"{path}#2: spec.strategy.canary.steps[0].setWeight: "
        "SetWeight needs to be between 0 and 100",
        f"warning: {path}#2: spec.strategy.canary.steps[1].analysis.templates[0].templateName: "
        "Rollout web references AnalysisTemplate 'rate', which is not among the given manifests",
        "1 file(s), 1 object(s): 2 error(s), 1 warning(s)",
    ]


def test_unknown_kinds_fail_unless_ignored(tmp_path: Path) -> None:
    path = write(tmp_path, "svc.yaml", SERVICE)
    strict = runner.invoke(app, ["lint", "-f", path])
    assert strict.exit_code == 1
    assert "kind: Service (apiVersion v1) is not a Rollout" in strict.output
    assert runner.invoke(app, ["lint", "-f", path, "--ignore-unknown-kinds"]).exit_code == 0


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "web:1"}]}
"""
MIGRATING = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web, scaleDown: onsuccess}
  strategy: {canary: {steps: [{setWeight: 20}]}}
"""


def test_a_workload_beside_its_rollout_is_not_an_unknown_kind(tmp_path: Path) -> None:
    """As `rollouts apply` reads it: the Deployment a workloadRef names; a Service still is
    unknown."""
    path = write(tmp_path, "migrate.yaml", f"{DEPLOYMENT}---\n{MIGRATING}---\n{SERVICE}")
    result = runner.invoke(app, ["lint", "-f", path])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{path}#3: kind: Service (apiVersion v1) is not a Rollout, AnalysisTemplate or "
        "ClusterAnalysisTemplate; pass --ignore-unknown-kinds to skip it",
        "1 file(s), 1 object(s): 1 error(s), 0 warning(s)",
    ]


def test_warnings_pass_unless_strict_references(tmp_path: Path) -> None:
    path = write(tmp_path, "r.yaml", GOOD)
    relaxed = runner.invoke(app, ["lint", "-f", path])
    assert relaxed.exit_code == 0
    assert relaxed.output.startswith("warning: ")
    strict = runner.invoke(app, ["lint", "-f", path, "--strict-references"])
    assert strict.exit_code == 1


def test_missing_file_is_one_line_naming_it(tmp_path: Path) -> None:
    good = write(tmp_path, "r.yaml", GOOD + "---\n" + TEMPLATE)
    missing = str(tmp_path / "nope.yaml")
    result = runner.invoke(app, ["lint", "-f", good, "-f", missing])
    assert result.exit_code == 1
    assert f"error: cannot read {missing}: no such file" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert "1 file(s) could not be read" in result.stdout
    assert "Traceback" not in result.output


def test_directory_and_binary_files_are_reported(tmp_path: Path) -> None:
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    result = runner.invoke(app, ["lint", "-f", str(tmp_path), "-f", str(binary)])
    assert result.exit_code == 1
    assert f"cannot read {tmp_path}: is a directory" in result.stderr
    assert f"cannot read {binary}: not UTF-8 text" in result.stderr


def test_json_output(tmp_path: Path) -> None:
    path = write(tmp_path, "r.yaml", GOOD.replace("setWeight: 20", "setWieght: 20"))
    result = runner.invoke(app, ["lint", "-f", path, "-o", "json"])
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["errors"] == 1 and payload["warnings"] == 0 and payload["objects"] == 0
    assert payload["problems"] == [
        {
            "source": path,
            "document": 1,
            "path": "spec.strategy.canary.steps[0].setWieght",
            "message": "unknown field (did you mean setWeight?)",
            "severity": "error",
        }
    ]


def test_stdin_is_read_for_dash() -> None:
    result = runner.invoke(app, ["lint", "-f", "-"], input=GOOD + "---\n" + TEMPLATE)
    assert result.exit_code == 0, result.output
    assert "1 file(s), 2 object(s)" in result.output


def test_references_resolve_across_files() -> None:
    files = [
        str(SEED / name)
        for name in ("payments-api-rollout.yaml", "payments-success-rate-template.yaml")
    ]
    result = runner.invoke(app, ["lint", "-f", files[0], "-f", files[1]])
    assert result.exit_code == 0
    assert "'payments-success-rate', which is not among" not in result.output
    assert "'payments-p99-latency', which is not among" in result.output


def test_seed_rollouts_without_selector_fail_naming_the_field() -> None:
    result = runner.invoke(app, ["lint", "-f", str(SEED / "checkout-api-rollout.yaml")])
    assert result.exit_code == 1
    assert "spec.selector: Rollout has missing field '.spec.selector'" in result.output


def test_lint_requires_a_file() -> None:
    result = runner.invoke(app, ["lint"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_run_turns_unexpected_errors_into_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def explode() -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(main, "app", explode)
    monkeypatch.delenv(main.DEBUG_ENV, raising=False)
    with pytest.raises(SystemExit) as exit_info:
        main.run()
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"error: RuntimeError: disk on fire (set {main.DEBUG_ENV}=1 for the traceback)"
    ]


def test_run_reports_cli_errors_and_honours_exit_codes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse() -> None:
        raise CliError("bad input", exit_code=3)

    monkeypatch.setattr(main, "app", refuse)
    with pytest.raises(SystemExit) as exit_info:
        main.run()
    assert exit_info.value.code == 3
    assert capsys.readouterr().err == "error: bad input\n"


def test_run_executes_the_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = write(tmp_path, "t.yaml", TEMPLATE)
    monkeypatch.setattr(sys, "argv", ["rollouts", "lint", "-f", path])
    with pytest.raises(SystemExit) as exit_info:
        main.run()
    assert exit_info.value.code == 0
