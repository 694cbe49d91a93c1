"""Failures a user can act on are one `error:` line and exit 1; bugs are not hidden."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from nats.errors import NoServersError
from typer.testing import CliRunner

from adapters.cli import session
from adapters.cli.errors import CliError, Exit, explain
from adapters.cli.main import app
from adapters.runtime.client import ControllerUnavailable
from adapters.runtime.connect import NoServer
from adapters.runtime.embedded import EmbeddedNatsError
from rollouts.errors import CommandRejected, InvalidSpec
from rollouts.ports import PortError


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.mark.parametrize(
    "args",
    [
        ["get", "rollout", "demo"],
        ["list"],
        ["status", "demo"],
        ["promote", "demo"],
        ["events", "demo"],
        ["replay", "demo", "--at", "1"],
        ["worker", "controller"],
    ],
)
def test_no_server_for_the_data_dir(runner: CliRunner, tmp_path: Path, args: list[str]) -> None:
    result = runner.invoke(app, [*args, "--data-dir", str(tmp_path)])
    assert result.exit_code == Exit.UNAVAILABLE
    assert result.stderr == (
        f"error: no rollouts server is running for {tmp_path}; start one with `rollouts serve`, "
        "or pass --nats-url / set ROLLOUTS_NATS_URL\n"
    )


def test_connection_refused_fails_fast(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"nats://127.0.0.1:{free_port()}"
    monkeypatch.setenv("ROLLOUTS_NATS_URL", url)
    result = runner.invoke(app, ["get", "rollout", "demo"])
    assert result.exit_code == Exit.UNAVAILABLE
    assert result.stderr.startswith(f"error: cannot connect to NATS at {url} (127.0.0.1:")
    assert result.stderr.count("\n") == 1


def test_a_bug_is_not_swallowed(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(settings: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(session, "open_client", broken)
    result = runner.invoke(app, ["get", "rollout", "demo"])
    assert isinstance(result.exception, RuntimeError) and result.stderr == ""


@pytest.mark.parametrize(
    ("exc", "line", "code"),
    [
        (NoServer("no server"), "no server", Exit.UNAVAILABLE),
        (ControllerUnavailable("no controller"), "no controller", Exit.UNAVAILABLE),
        (CommandRejected("nothing to promote"), "nothing to promote", Exit.FAILED),
        (EmbeddedNatsError("nats-server exited"), "nats-server exited", Exit.UNAVAILABLE),
        (PortError("port busy"), "port busy", Exit.FAILED),
        (
            ConnectionRefusedError(111, "Connection refused"),
            "cannot connect to NATS: Connection refused",
            Exit.UNAVAILABLE,
        ),
        (
            NoServersError(),
            "NATS: nats: no servers available for connection",
            Exit.UNAVAILABLE,
        ),
        (TimeoutError(), "timed out talking to NATS; is the server up?", Exit.UNAVAILABLE),
        (
            InvalidSpec(["a: bad", "b: worse"]),
            "invalid spec:\n  a: bad\n  b: worse",
            Exit.FAILED,
        ),
    ],
)
def test_known_failures_are_explained(exc: Exception, line: str, code: Exit) -> None:
    explained = explain(exc)
    assert explained is not None and str(explained) == line and explained.exit_code == code


def test_cli_errors_keep_their_code_and_bugs_are_not_explained() -> None:
    error = CliError("timed out", exit_code=2)
    assert explain(error) is error
    assert explain(RuntimeError("bug")) is None and explain(KeyError("x")) is None
