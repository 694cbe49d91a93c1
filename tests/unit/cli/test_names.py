"""Where a rollout is named: `-n` before or after the command, `NAMESPACE/NAME`, and the checks.

A bad name is one line naming the argument (exit 2) and nothing is sent.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from typer.testing import CliRunner

import events.inputs as inp
from adapters.cli.main import app
from rollouts.spec.image_ref import image_problem
from tests.unit.cli import scenarios
from tests.unit.cli.fakes import FakeClient


@pytest.fixture
def in_prod(fake: FakeClient) -> FakeClient:
    sim = scenarios.canary_paused()
    asyncio.run(fake.record("prod", sim.name, sim.events))
    fake.now = sim.now
    return fake


@pytest.mark.parametrize(
    "args",
    [
        ["-n", "prod", "promote", "demo"],
        ["--namespace", "prod", "promote", "demo"],
        ["promote", "demo", "-n", "prod"],
        ["promote", "prod/demo"],
        ["-n", "prod", "promote", "prod/demo"],
    ],
)
def test_the_namespace_is_found_wherever_it_is_given(
    runner: CliRunner, in_prod: FakeClient, args: list[str]
) -> None:
    runner.invoke(app, args)
    assert [(ns, name) for ns, name, _ in in_prod.sent] == [("prod", "demo")]


@pytest.mark.parametrize("words", [["rollout", "prod/demo"], ["prod/demo"]])
def test_retry_takes_namespace_slash_name(
    runner: CliRunner, fake: FakeClient, words: list[str]
) -> None:
    sim = scenarios.canary_aborted()
    asyncio.run(fake.record("prod", sim.name, sim.events))
    fake.now = sim.now
    result = runner.invoke(app, ["retry", *words])
    assert result.exit_code == 0, result.output
    assert [(ns, name) for ns, name, _ in fake.sent] == [("prod", "demo")]


def test_namespace_slash_name_reads_too(runner: CliRunner, in_prod: FakeClient) -> None:
    result = runner.invoke(app, ["status", "prod/demo", "--no-watch"])
    assert result.stdout == "Paused - CanaryPauseStep\n"


def test_the_namespace_after_the_command_wins(runner: CliRunner, in_prod: FakeClient) -> None:
    result = runner.invoke(app, ["-n", "dev", "promote", "demo", "-n", "prod"])
    assert result.exit_code == 0, result.output
    assert in_prod.sent[0][:2] == ("prod", "demo")


def test_two_different_namespaces_are_refused(runner: CliRunner, in_prod: FakeClient) -> None:
    result = runner.invoke(app, ["-n", "dev", "promote", "prod/demo"])
    assert result.exit_code == 2
    assert result.stderr == "error: NAMESPACE/NAME: 'prod/demo' is in 'prod' but -n says 'dev'\n"
    assert in_prod.sent == []


@pytest.mark.parametrize(
    ("args", "start"),
    [
        (["abort", "Demo"], "error: NAME: 'Demo' is not a valid name"),
        (["abort", "demo-"], "error: NAME: 'demo-' is not a valid name"),
        (["abort", "a" * 254], "error: NAME: "),
        (["abort", "prod/"], "error: NAMESPACE/NAME: '' is not a valid name"),
        (["abort", "Prod/demo"], "error: NAMESPACE/NAME: 'Prod' is not a valid namespace"),
        (["abort", "demo", "-n", "a.b"], "error: -n/--namespace: 'a.b' is not a valid namespace"),
        (["-n", "x" * 64, "list"], "error: -n/--namespace: "),
    ],
)
def test_bad_names_are_one_line_naming_the_argument(
    runner: CliRunner, fake: FakeClient, args: list[str], start: str
) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr.startswith(start) and result.stderr.count("\n") == 1
    assert fake.sent == []


def test_dotted_names_are_kubernetes_names(runner: CliRunner, fake: FakeClient) -> None:
    result = runner.invoke(app, ["abort", "web.v2"])
    assert result.exit_code == 3 and result.stderr == "error: rollout default/web.v2 not found\n"


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("rollouts ")


@pytest.mark.parametrize(
    "image",
    [
        "nginx",
        "nginx:1.27",
        "nginxinc/nginx-unprivileged:1.28",
        "localhost:5000/team/app:v1",
        "ghcr.io/org/app@sha256:" + "a" * 64,
        "registry.example.com:443/x/y:tag@sha256:" + "0" * 64,
    ],
)
def test_valid_image_references(image: str) -> None:
    assert image_problem(image) is None


@pytest.mark.parametrize(
    "image",
    [
        *["UPPER CASE!!", "Nginx", "nginx:", "nginx::1", "-nginx", "a//b", ":tag"],
        *["nginx:" + "x" * 129, "a" * 300, "nginx@sha256:short", "x" * 5000],
    ],
)
def test_invalid_image_references(image: str) -> None:
    assert image_problem(image) is not None


def test_set_image_refuses_a_bad_reference(runner: CliRunner, fake: FakeClient) -> None:
    fake.seed(scenarios.canary_paused())
    result = runner.invoke(app, ["set", "image", "demo", "c=UPPER CASE!!"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: CONTAINER=IMAGE: 'UPPER CASE!!' is not a valid image reference "
        "([registry/]repository[:tag][@digest]; the repository in lowercase)\n"
    )
    assert fake.sent == []


def test_the_controller_refuses_a_bad_reference_too(fake: FakeClient) -> None:
    """Other clients (the dashboard, a script publishing inputs) meet the same rule."""
    from datetime import UTC, datetime

    from rollouts.decide import decide
    from rollouts.errors import CommandRejected

    sim = scenarios.canary_paused()
    item = inp.SetImage(container="*", image="UPPER CASE!!", input_id="i1", actor="t")
    with pytest.raises(CommandRejected, match="not a valid image reference"):
        decide(sim.state, item, datetime.now(UTC))


def test_schema_without_output_prints_and_writes_nothing(
    runner: CliRunner, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]
    result = runner.invoke(app, ["schema", "events"])
    assert result.exit_code == 0
    files = json.loads(result.stdout)
    assert "index.json" in files and "asyncapi.json" in files
    assert any(path.startswith("events/") for path in files)
    assert list(tmp_path.iterdir()) == []  # type: ignore[attr-defined]
