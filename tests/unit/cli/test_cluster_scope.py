"""Which namespaces `serve`/`worker --platform kubernetes` watch, namespace-scoped or not."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.cli.cluster import watch_scope
from adapters.cli.errors import Exit, UsageError
from adapters.cli.main import app

NO_FILE = Path("/nonexistent/namespace")
TWO_NAMESPACES = ("--watch-namespace", "a", "--watch-namespace", "b")


def test_cluster_wide_watches_what_is_given_or_everything() -> None:
    assert watch_scope(None, False, env={}, own_namespace_file=NO_FILE) == ()
    assert watch_scope(["a", "b", "a"], False, env={}) == ("a", "b")


def test_namespaced_takes_the_one_given() -> None:
    assert watch_scope(["team-a"], True, env={"POD_NAMESPACE": "other"}) == ("team-a",)


def test_namespaced_falls_back_to_the_pod_then_the_service_account(tmp_path: Path) -> None:
    own = tmp_path / "namespace"
    own.write_text("from-token\n")
    assert watch_scope(None, True, env={"POD_NAMESPACE": "pod-ns"}, own_namespace_file=own) == (
        "pod-ns",
    )
    assert watch_scope(None, True, env={}, own_namespace_file=own) == ("from-token",)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (["a", "b"], "--namespaced watches one namespace; --watch-namespace names 2 (a, b)"),
        (None, "--namespaced needs the namespace to watch: pass --watch-namespace NS"),
    ],
)
def test_namespaced_refuses_none_or_several(given: list[str] | None, message: str) -> None:
    with pytest.raises(UsageError) as refused:
        watch_scope(given, True, env={}, own_namespace_file=NO_FILE)
    assert str(refused.value).startswith(message)
    assert refused.value.exit_code == Exit.USAGE


@pytest.mark.parametrize("command", [["serve"], ["worker", "controller"]])
def test_serve_and_worker_refuse_a_namespaced_run_over_two_namespaces(command: list[str]) -> None:
    result = CliRunner().invoke(
        app,
        [*command, "--platform", "kubernetes", "--namespaced", *TWO_NAMESPACES],
        env={"ROLLOUTS_NATS_URL": "nats://127.0.0.1:1"},
    )
    assert result.exit_code == Exit.USAGE, result.output
    assert result.output == (
        "error: --namespaced watches one namespace; --watch-namespace names 2 (a, b)\n"
    )
