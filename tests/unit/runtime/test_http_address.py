"""Where /metrics, /healthz and /readyz listen (issue 17, small leaks).

They list every rollout and analysis with its phase, and used to listen on 0.0.0.0 even on a
laptop. Now: loopback by default on the local platform, all interfaces by default with
--platform kubernetes (probes and Prometheus reach the pod IP), and `--http-address` /
ROLLOUTS_HTTP_ADDRESS in between.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from adapters.cli import serve as serve_module
from adapters.cli import worker as worker_module
from adapters.cli.main import app
from adapters.runtime.observability import ALL_INTERFACES, LOOPBACK, HealthServer, RolloutMetrics
from adapters.runtime.settings import Settings
from adapters.workers.app import create_app
from adapters.workers.kubernetes_root import create_kubernetes_app


async def bound(host: str | None) -> tuple[str, str]:
    options = {} if host is None else {"host": host}
    server = HealthServer(RolloutMetrics(), lambda: True, 0, **options)
    await server.start()
    try:
        assert server._runner is not None
        return str(server._runner.addresses[0][0]), server.url
    finally:
        await server.stop()


async def test_the_health_server_listens_on_loopback_unless_told_otherwise() -> None:
    address, url = await bound(None)
    assert address == LOOPBACK and url.startswith("http://127.0.0.1:")
    address, url = await bound(ALL_INTERFACES)
    assert address == ALL_INTERFACES and url.startswith("http://127.0.0.1:")


def test_the_defaults_are_loopback_locally_and_all_interfaces_on_kubernetes(
    tmp_path: Path,
) -> None:
    local = create_app(Settings(data_dir=tmp_path), workers=("controller",), http_port=0)
    assert local.config.http_address == LOOPBACK
    kube = inspect.signature(create_kubernetes_app).parameters["http_address"]
    assert kube.default == ALL_INTERFACES


Captured = dict[str, Any]


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> Captured:
    """`serve` and `worker` run a fake core that records what it was given."""
    seen: Captured = {}

    async def fake(*args: Any, **kwargs: Any) -> None:
        seen.update(kwargs)

    def run(core: Callable[[asyncio.Event], Awaitable[None]]) -> None:
        asyncio.run(core(asyncio.Event()))  # type: ignore[arg-type]

    monkeypatch.setattr(serve_module, "serve", fake)
    monkeypatch.setattr(serve_module, "run_on_kubernetes", fake)
    monkeypatch.setattr(serve_module, "run_until_signal", run)
    monkeypatch.setattr(worker_module, "run_workers", fake)
    monkeypatch.setattr(worker_module, "run_until_signal", run)
    monkeypatch.delenv("ROLLOUTS_HTTP_ADDRESS", raising=False)
    return seen


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["serve"], None, None),  # the core picks loopback (local) or all interfaces (cluster)
        (["serve", "--http-address", "0.0.0.0"], None, "0.0.0.0"),
        (["serve"], "::1", "::1"),
        (["worker", "timer", "--http-address", "127.0.0.1"], "0.0.0.0", "127.0.0.1"),
        (["worker", "timer"], "0.0.0.0", "0.0.0.0"),
    ],
)
def test_the_address_comes_from_the_flag_or_the_environment(
    captured: Captured, args: list[str], env: str | None, expected: str | None
) -> None:
    environment = {} if env is None else {"ROLLOUTS_HTTP_ADDRESS": env}
    result = CliRunner().invoke(app, args, env=environment)
    assert result.exit_code == 0, result.output
    assert captured["http_address"] == expected


def test_a_bad_address_is_one_line_and_runs_nothing(captured: Captured) -> None:
    result = CliRunner().invoke(app, ["serve", "--http-address", "every-interface"])
    assert result.exit_code == 2
    assert "'every-interface' is not an IP address" in result.output
    assert "Traceback" not in result.output and captured == {}
