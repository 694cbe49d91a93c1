"""`apply -f`: validate everything, pre-check everything, then send each Rollout whole."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Literal

import pytest
import yaml
from typer.testing import CliRunner

import events.inputs as inp
from adapters.cli.main import app
from events.input_codec import InputOutcome
from rollouts.errors import DomainError
from tests.unit.cli.fakes import FakeClient

ROLLOUT = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "web:1"}]}
  strategy:
    canary:
      steps: [{setWeight: 20}, {pause: {}}]
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


def test_a_new_rollout_is_created_then_unchanged(
    runner: CliRunner, fake: FakeClient, tmp_path: Path
) -> None:
    path = write(tmp_path, "web.yaml", ROLLOUT)
    result = runner.invoke(app, ["apply", "-f", path])
    assert result.exit_code == 0, result.output
    assert result.stdout == "rollout default/web created\n"
    ((namespace, name, item),) = fake.sent
    assert (namespace, name) == ("default", "web")
    assert isinstance(item, inp.ApplySpec) and item.manifest == yaml.safe_load(ROLLOUT)

    again = runner.invoke(app, ["apply", "-f", path])
    assert again.exit_code == 0 and again.stdout == "rollout default/web unchanged\n"

    changed = write(tmp_path, "web2.yaml", ROLLOUT.replace("web:1", "web:2"))
    third = runner.invoke(app, ["apply", "-f", changed])
    assert third.exit_code == 0 and third.stdout == "rollout default/web configured\n"


def test_namespace_comes_from_metadata_then_from_the_flag(
    runner: CliRunner, fake: FakeClient, tmp_path: Path
) -> None:
    other = ROLLOUT.replace("metadata: {name: web}", "metadata: {name: api, namespace: shop}")
    path = write(tmp_path, "two.yaml", ROLLOUT + "---\n" + other)
    result = runner.invoke(app, ["apply", "-f", path, "-n", "prod"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["rollout prod/web created", "rollout shop/api created"]
    assert [(ns, name) for ns, name, _ in fake.sent] == [("prod", "web"), ("shop", "api")]


def test_templates_are_stored_before_the_rollouts_are_sent(
    runner: CliRunner, fake: FakeClient, tmp_path: Path
) -> None:
    cluster = TEMPLATE.replace("kind: AnalysisTemplate", "kind: ClusterAnalysisTemplate")
    path = write(tmp_path, "all.yaml", TEMPLATE + "---\n" + cluster + "---\n" + ROLLOUT)
    result = runner.invoke(app, ["apply", "-f", path, "-n", "shop"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "analysistemplate shop/rate created",
        "clusteranalysistemplate rate created",
        "rollout shop/web created",
    ]
    stored = asyncio.run(fake.templates.get("AnalysisTemplate", "shop", "rate"))
    assert stored is not None and stored.spec.metrics[0].name == "up"
    assert asyncio.run(fake.templates.get("ClusterAnalysisTemplate", "", "rate")) is not None

    again = runner.invoke(app, ["apply", "-f", path, "-n", "shop"])
    assert again.stdout.splitlines()[:2] == [
        "analysistemplate shop/rate unchanged",
        "clusteranalysistemplate rate unchanged",
    ]
    changed = write(tmp_path, "t2.yaml", TEMPLATE.replace("query: up", "query: up == 1"))
    third = runner.invoke(app, ["apply", "-f", changed, "-n", "shop"])
    assert third.exit_code == 0 and third.stdout == "analysistemplate shop/rate configured\n"
    updated = asyncio.run(fake.templates.get("AnalysisTemplate", "shop", "rate"))
    assert updated is not None and updated.spec.metrics[0].provider.prometheus is not None
    assert updated.spec.metrics[0].provider.prometheus.query == "up == 1"


def test_an_invalid_template_stores_and_sends_nothing(
    runner: CliRunner, fake: FakeClient, tmp_path: Path
) -> None:
    bad = TEMPLATE.replace("- name: up", "- name: up\n    count: 3").replace(
        "metadata: {name: rate}", "metadata: {name: rate}\nextra: 1"
    )
    path = write(tmp_path, "bad.yaml", ROLLOUT + "---\n" + bad)
    result = runner.invoke(app, ["apply", "-f", path])
    assert result.exit_code == 1
    assert "nothing was applied" in result.stderr
    assert fake.sent == [] and asyncio.run(fake.templates.list()) == []


def test_a_refused_rollout_stores_no_template(
    runner: CliRunner, fake: FakeClient, tmp_path: Path
) -> None:
    path = write(tmp_path, "all.yaml", TEMPLATE + "---\n" + ROLLOUT)
    original = fake.precheck

    def refuse(state: object, item: object) -> None:
        raise DomainError("refused for the test")

    fake.precheck = refuse  # type: ignore[method-assign]
    result = runner.invoke(app, ["apply", "-f", path])
    fake.precheck = original  # type: ignore[method-assign]
    assert result.exit_code == 1, result.output
    assert "refused for the test" in result.stderr
    assert asyncio.run(fake.templates.list()) == [] and fake.sent == []


def test_unknown_kinds_fail_unless_ignored(
    runner: CliRunner, fake: FakeClient, tmp_path: Path
) -> None:
    path = write(tmp_path, "mixed.yaml", SERVICE + "---\n" + ROLLOUT)
    refused = runner.invoke(app, ["apply", "-f", path])
    assert refused.exit_code == 1 and fake.sent == []
    assert "kind" in refused.stderr and "nothing was applied" in refused.stderr
    accepted = runner.invoke(app, ["apply", "-f", path, "--ignore-unknown-kinds"])
    assert accepted.exit_code == 0, accepted.output
    assert accepted.stdout == "rollout default/web created\n"


def test_every_problem_is_listed_and_nothing_is_sent(
    runner: CliRunner, fake: FakeClient, tmp_path: Path
) -> None:
    good = write(tmp_path, "good.yaml", ROLLOUT.replace("name: web}", "name: ok}"))
    bad_text = ROLLOUT.replace("setWeight: 20", "setWeight: 200").replace(
        "replicas: 2", "replicas: -1"
    )
    bad = write(tmp_path, "bad.yaml", bad_text)
    result = runner.invoke(app, ["apply", "-f", good, "-f", bad])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert any("spec.strategy.canary.steps[0].setWeight" in line for line in lines)
    assert any("spec.replicas" in line for line in lines)
    assert all(line.startswith(bad) for line in lines[:-1])
    assert lines[-1] == "error: 2 problem(s) found; nothing was applied"
    assert fake.sent == [] and fake.last_sequence() == 0


def test_a_missing_file_is_one_line(runner: CliRunner, fake: FakeClient, tmp_path: Path) -> None:
    result = runner.invoke(app, ["apply", "-f", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 3  # not found
    assert result.stderr == f"error: cannot read {tmp_path / 'nope.yaml'}: no such file\n"


def test_an_empty_file_applies_nothing(runner: CliRunner, fake: FakeClient, tmp_path: Path) -> None:
    result = runner.invoke(app, ["apply", "-f", write(tmp_path, "empty.yaml", "")])
    assert result.exit_code == 1 and result.stderr == "error: no objects passed to apply\n"


def test_stdin(runner: CliRunner, fake: FakeClient) -> None:
    result = runner.invoke(app, ["apply", "-f", "-"], input=ROLLOUT)
    assert result.exit_code == 0, result.output
    assert result.stdout == "rollout default/web created\n"


@pytest.mark.parametrize("status", ["refused", "invalid"])
def test_a_refused_apply_exits_one(
    runner: CliRunner, fake: FakeClient, tmp_path: Path, status: Literal["refused", "invalid"]
) -> None:
    fake.outcome = InputOutcome(input_id="x", status=status, message="no")
    result = runner.invoke(app, ["apply", "-f", write(tmp_path, "web.yaml", ROLLOUT)])
    assert result.exit_code == 1
    assert result.stderr == "error: rollout default/web: no\n"
