"""`serve` and `worker` run in-process here: their async cores stop when the event is set."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console
from structlog.testing import capture_logs
from typer.testing import CliRunner

from adapters.cli.errors import CliError
from adapters.cli.main import app
from adapters.cli.serve import serve
from adapters.cli.worker import PLATFORM_NOTE, WorkerName, run_workers
from adapters.runtime.embedded import DISCOVERY_FILE, EmbeddedNats
from adapters.runtime.settings import NatsSettings, Settings
from tests.integration.cli.conftest import manifest_yaml

pytestmark = pytest.mark.integration


def console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=200, color_system=None), buffer


async def until(check: Callable[[], bool], timeout: float = 20) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.05)


async def cli(*args: str) -> str:
    result = await asyncio.to_thread(CliRunner().invoke, app, list(args))
    assert result.exit_code in (0, 6), result.output  # 6: still progressing
    return result.stdout


async def test_serve_announces_the_server_and_each_rollouts_proxy(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    out, buffer = console()
    stop = asyncio.Event()
    manifest = tmp_path / "demo.yaml"
    manifest.write_text(manifest_yaml())
    with capture_logs():
        task = asyncio.create_task(serve(settings, ready_delay=0.05, console=out, stop=stop))
        try:
            await until(lambda: "serving" in buffer.getvalue() or task.done())
            applied = await cli("apply", "-f", str(manifest), "--data-dir", str(tmp_path))
            assert applied == "rollout default/demo created\n"
            await until(lambda: "rollout default/demo: proxy http://" in buffer.getvalue())
            with pytest.raises(CliError, match="a rollouts server already runs for"):
                await serve(settings, ready_delay=0.05, console=out, stop=asyncio.Event())
        finally:
            stop.set()
            await task
    lines = buffer.getvalue().splitlines()
    assert lines[0].startswith("NATS:     nats://127.0.0.1:")
    assert lines[1] == f"data dir: {tmp_path}"
    assert lines[2].startswith("pod metrics: http://") and lines[-2:] == ["stopping...", "stopped"]
    assert not (tmp_path / DISCOVERY_FILE).exists()


async def test_worker_controller_alone_answers_commands(tmp_path: Path) -> None:
    embedded = EmbeddedNats(tmp_path / "nats", authorization=False)  # an external server
    url = await embedded.start()
    settings = Settings(nats=NatsSettings(url=url), data_dir=tmp_path)
    out, buffer = console()
    stop = asyncio.Event()
    manifest = tmp_path / "demo.yaml"
    manifest.write_text(manifest_yaml())
    names = [WorkerName.CONTROLLER, WorkerName.TRAFFIC]
    try:
        with capture_logs():
            task = asyncio.create_task(
                run_workers(settings, names, ready_delay=0.05, console=out, stop=stop)
            )
            try:
                await until(lambda: "running on" in buffer.getvalue() or task.done())
                applied = await cli("apply", "-f", str(manifest), "--nats-url", url)
                assert applied == "rollout default/demo created\n"
                status = await cli("status", "demo", "--no-watch", "--nats-url", url)
                assert status == "Progressing - more replicas need to be updated\n"
            finally:
                stop.set()
                await task
    finally:
        await embedded.stop()
    lines = buffer.getvalue().splitlines()
    assert lines[0] == PLATFORM_NOTE
    assert lines[1] == f"workers controller, traffic running on {url}"
    assert lines[-1] == "stopped"
