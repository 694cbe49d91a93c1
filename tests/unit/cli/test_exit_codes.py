"""One exit code per kind of outcome (errors.EXIT_CODES), so a script tells a typo from a timeout.

Each code is produced here by the command a user would run, not by calling the table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from adapters.cli import session
from adapters.cli.errors import EXIT_CODES, Exit
from adapters.cli.main import app
from tests.unit.cli import scenarios
from tests.unit.cli.fakes import FakeClient


def test_every_code_is_documented_once() -> None:
    assert set(EXIT_CODES) == set(Exit)
    assert len({int(code) for code in Exit}) == len(Exit)


def test_ok(runner: CliRunner, fake: FakeClient) -> None:
    fake.seed(scenarios.canary_paused())
    assert runner.invoke(app, ["promote", "demo"]).exit_code == Exit.OK


def test_refused_by_the_controllers_rules(runner: CliRunner, fake: FakeClient) -> None:
    fake.seed(scenarios.canary_promoted())
    result = runner.invoke(app, ["promote", "demo"])
    assert result.exit_code == Exit.FAILED and result.stderr.startswith("error: ")
    assert fake.sent == []


@pytest.mark.parametrize(
    "args",
    [
        ["promte", "demo"],  # a typo in the command
        ["promote", "demo", "--fulll"],  # a typo in an option
        ["get", "rollout", "Demo_1"],  # not a Kubernetes name
        ["-n", "Prod!", "list"],  # not a namespace
        ["abort", "prod/x/y"],  # not NAMESPACE/NAME
        ["set", "image", "demo", "c=UPPER CASE!!"],  # not an image reference
        ["status", "demo", "--timeout", "soon"],  # a malformed value
    ],
)
def test_usage_errors(runner: CliRunner, fake: FakeClient, args: list[str]) -> None:
    fake.seed(scenarios.canary_paused())
    result = runner.invoke(app, args)
    assert result.exit_code == Exit.USAGE, result.output
    assert fake.sent == []


def test_not_found(runner: CliRunner, fake: FakeClient) -> None:
    result = runner.invoke(app, ["abort", "prod/ghost"])
    assert result.exit_code == Exit.NOT_FOUND
    assert result.stderr == "error: rollout prod/ghost not found\n"


def test_missing_file_is_not_found(runner: CliRunner, fake: FakeClient, tmp_path: Path) -> None:
    result = runner.invoke(app, ["apply", "-f", str(tmp_path / "nope.yaml")])
    assert result.exit_code == Exit.NOT_FOUND
    assert result.stderr.count("\n") == 1 and "nope.yaml" in result.stderr


def test_status_timeout(runner: CliRunner, fake: FakeClient) -> None:
    fake.seed(scenarios.canary_paused())
    fake.hang = True
    assert runner.invoke(app, ["status", "demo", "-t", "100ms"]).exit_code == Exit.TIMEOUT


def test_no_server_is_a_connection_failure(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["abort", "demo", "--data-dir", str(tmp_path)])
    assert result.exit_code == Exit.UNAVAILABLE
    assert result.stderr.startswith("error: no rollouts server is running")


def test_status_once_while_paused_is_pending(runner: CliRunner, fake: FakeClient) -> None:
    fake.seed(scenarios.canary_paused())
    assert runner.invoke(app, ["status", "demo", "--no-watch"]).exit_code == Exit.PENDING


def test_interrupted(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(settings: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(session, "open_client", interrupted)
    result = runner.invoke(app, ["get", "rollout", "demo"])
    assert result.exit_code == Exit.INTERRUPTED and result.stderr == ""


def test_a_bad_environment_variable_is_a_usage_error(
    runner: CliRunner, fake: FakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROLLOUTS_NATS_REPLICAS", "many")
    result = runner.invoke(app, ["list"])
    assert result.exit_code == Exit.USAGE
    assert result.stderr.startswith("error: ROLLOUTS_NATS_REPLICAS must be")
    assert "SettingsError" not in result.stderr


@pytest.mark.parametrize(
    ("url", "start"),
    [
        ("nats://[::1", "error: --nats-url: 'nats://[::1' is not a URL"),
        ("nats://:4222", "error: --nats-url: 'nats://:4222' has no host"),
        ("nats://h:port", "error: --nats-url: 'nats://h:port' is not a URL"),
    ],
)
def test_a_malformed_nats_url_is_a_usage_error(runner: CliRunner, url: str, start: str) -> None:
    result = runner.invoke(app, ["list", "--nats-url", url])
    assert result.exit_code == Exit.USAGE
    assert result.stderr.startswith(start) and result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "args",
    [["apply", "-f"], ["lint", "-f"], ["import", "-f"], ["fleet", "apply", "-f"]],
    ids=lambda args: args[0] if args[0] != "fleet" else "fleet-apply",
)
def test_a_file_that_is_not_utf8_names_the_file_and_line(
    runner: CliRunner, fake: FakeClient, tmp_path: Path, args: list[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"kind: Rollout\nname: caf\xe9\n")
    result = runner.invoke(app, [*args, str(path)])
    assert result.exit_code == Exit.FAILED
    assert f"cannot read {path}: not UTF-8 text (line 2, byte 23: 0xe9)" in result.stderr
    assert "Error" not in result.stderr and "codec" not in result.stderr


def test_a_yaml_syntax_error_is_one_line(
    runner: CliRunner, fake: FakeClient, tmp_path: Path
) -> None:
    path = tmp_path / "fleet.yaml"
    path.write_text("a: [\n", encoding="utf-8")
    result = runner.invoke(app, ["fleet", "apply", "-f", str(path)])
    assert result.exit_code == Exit.FAILED
    assert result.stderr.startswith(f"error: cannot read {path}: YAML syntax error at line 2")
    assert result.stderr.count("\n") == 1
