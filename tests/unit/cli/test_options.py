"""The shared connection options, given after the command, become Settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from adapters.cli import session
from adapters.cli.errors import CliError
from adapters.cli.main import app
from adapters.runtime.settings import Settings

COMMANDS = [
    ["serve"],
    ["worker", "controller"],
    ["apply", "-f", "x.yaml"],
    ["get", "rollout", "demo"],
    ["list"],
    ["status", "demo"],
    ["promote", "demo"],
    ["abort", "demo"],
    ["retry", "rollout", "demo"],
    ["pause", "demo"],
    ["resume", "demo"],
    ["set", "image", "demo", "a=b"],
    ["undo", "demo"],
    ["events", "demo"],
    ["replay", "demo"],
    ["demo"],
]


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> list[Settings]:
    seen: list[Settings] = []

    def capture(settings: Settings) -> Any:
        seen.append(settings)
        raise CliError("captured")

    monkeypatch.setattr(session, "open_client", capture)
    return seen


def test_every_option_reaches_the_settings(
    runner: CliRunner, captured: list[Settings], tmp_path: Path
) -> None:
    args = ["get", "rollout", "demo", "--nats-url", "nats://n:4222", "--nats-creds", "c.creds"]
    args += ["--nats-token", "t", "--nats-user", "u", "--nats-password", "p"]
    args += ["--nats-tls-ca", "ca.pem", "--nats-tls-cert", "c.pem", "--nats-tls-key", "k.pem"]
    args += ["--data-dir", str(tmp_path), "-n", "prod"]
    result = runner.invoke(app, args)
    assert result.stderr == "error: captured\n"
    (settings,) = captured
    nats = settings.nats
    assert (nats.url, nats.creds_file, nats.token) == ("nats://n:4222", "c.creds", "t")
    assert (nats.user, nats.password) == ("u", "p")
    assert (nats.tls_ca, nats.tls_cert, nats.tls_key) == ("ca.pem", "c.pem", "k.pem")
    assert (settings.data_dir, settings.namespace) == (tmp_path, "prod")


def test_defaults_and_environment(
    runner: CliRunner, captured: list[Settings], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    runner.invoke(app, ["list"])
    monkeypatch.setenv("ROLLOUTS_NATS_URL", "nats://from-env:4222")
    monkeypatch.setenv("ROLLOUTS_NAMESPACE", "staging")
    runner.invoke(app, ["list"])
    runner.invoke(app, ["list", "--namespace", "flag", "--nats-url", "nats://flag:1"])
    default, from_env, flags = captured
    assert (default.nats.url, default.namespace) == (None, "default")
    assert default.data_dir.name == "rollouts"
    assert (from_env.nats.url, from_env.namespace) == ("nats://from-env:4222", "staging")
    assert (flags.nats.url, flags.namespace) == ("nats://flag:1", "flag")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_command_has_the_shared_options(runner: CliRunner, command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    for option in ("--nats-url", "--nats-creds", "--nats-tls-key", "--data-dir", "--namespace"):
        assert option in result.stdout


def test_top_level_help_lists_every_command(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--help"])
    names = ["serve", "worker", "apply", "get", "list", "status", "promote", "abort", "retry"]
    names += ["pause", "resume", "set", "undo", "events", "replay", "lint", "demo", "bench"]
    for name in names:
        assert f" {name} " in result.stdout


def test_worker_names_are_checked(runner: CliRunner) -> None:
    result = runner.invoke(app, ["worker", "janitor"])
    assert result.exit_code == 2 and "janitor" in result.output
