"""`rollouts serve --platform kubernetes` and `rollouts worker ... --platform kubernetes`, with a
kubeconfig naming the fake API server, and the one-line errors without a cluster."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from structlog.testing import capture_logs
from typer.testing import CliRunner

from adapters.cli.cluster import Cluster
from adapters.cli.main import app
from adapters.cli.serve import run_on_kubernetes
from adapters.cli.worker import WorkerName, run_workers
from adapters.runtime.settings import NatsSettings, Settings
from tests.integration.kubernetes_controller.harness import NAME, NS, payments, status
from tests.support.kube import FakeKube
from tests.support.nats import ContainerNatsServer, NatsServer

pytestmark = pytest.mark.integration
Run = Callable[[asyncio.Event, Console], Coroutine[Any, Any, None]]


def kubeconfig(path: Path, url: str) -> Path:
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: fake\n"
        f"clusters:\n- name: fake\n  cluster: {{server: '{url}'}}\n"
        "contexts:\n- name: fake\n  context: {cluster: fake, user: me}\n"
        "users:\n- name: me\n  user: {token: not-checked}\n"
    )
    return path


def basic_rollout() -> dict[str, object]:
    rollout = payments(replicas=2, steps=[{"setWeight": 50}, {"pause": {}}])
    del rollout["spec"]["strategy"]["canary"]["trafficRouting"]
    return rollout


async def run_until_healthy(fake_kube: FakeKube, run: Run) -> str:
    buffer = io.StringIO()
    out = Console(file=buffer, width=200, color_system=None)
    stop = asyncio.Event()
    with capture_logs():
        task = asyncio.create_task(run(stop, out))
        try:
            async with asyncio.timeout(15):
                while "serving" not in buffer.getvalue():
                    assert not task.done(), buffer.getvalue()
                    await asyncio.sleep(0.02)
            fake_kube.create(basic_rollout())
            found = await fake_kube.wait_for(
                "rollouts", NS, NAME, lambda o: status(o).get("phase") == "Healthy", timeout=15
            )
            assert status(found)["observedGeneration"] == "1"
        finally:
            stop.set()
            await task
    return buffer.getvalue()


async def test_serve_on_kubernetes(
    fake_kube: FakeKube, nats_server: NatsServer | ContainerNatsServer, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, nats=NatsSettings(url=nats_server.url))
    cluster = Cluster(kubeconfig(tmp_path / "config", fake_kube.url), "fake", (NS,))
    workers = ("controller", "traffic", "scaler", "timer")

    async def run(stop: asyncio.Event, out: Console) -> None:
        await run_on_kubernetes(
            settings, cluster, workers, console=out, stop=stop, watch_templates=True
        )

    output = await run_until_healthy(fake_kube, run)
    lines = output.splitlines()
    assert lines[0] == f"NATS:       {nats_server.url}"
    assert lines[1] == f"Kubernetes: {fake_kube.url} ({NS})"
    assert lines[-2:] == ["stopping...", "stopped"]


async def test_workers_on_kubernetes(
    fake_kube: FakeKube, nats_server: NatsServer | ContainerNatsServer, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, nats=NatsSettings(url=nats_server.url))
    cluster = Cluster(kubeconfig(tmp_path / "config", fake_kube.url))
    names = [WorkerName.CONTROLLER, WorkerName.SCALER, WorkerName.TRAFFIC, WorkerName.TIMER]

    async def run(stop: asyncio.Event, out: Console) -> None:
        await run_workers(settings, names, ready_delay=0.0, console=out, stop=stop, cluster=cluster)

    output = await run_until_healthy(fake_kube, run)
    assert "workers:    controller, scaler, traffic, timer" in output


def test_no_cluster_is_one_line_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    for command in (["serve"], ["worker", "controller"]):
        result = CliRunner().invoke(
            app,
            [*command, "--platform", "kubernetes", "--kubeconfig", str(missing)],
            env={"ROLLOUTS_NATS_URL": "nats://127.0.0.1:1"},
        )
        assert result.exit_code == 1, result.output
        assert result.output == f"error: kubeconfig {missing} does not exist\n"
