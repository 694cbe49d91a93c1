"""A real system in-process (embedded NATS, every worker, the local platform) for CLI tests.

CLI commands run their own event loop (`asyncio.run`), so tests call them in a thread with
`await system.cli(...)`; they find the embedded server through the shared data directory.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from structlog.testing import capture_logs
from typer.testing import CliRunner, Result

from adapters.cli.main import app as cli_app
from adapters.local import LocalPlatform
from adapters.runtime.settings import Settings
from adapters.workers.app import RolloutsApp, create_app
from events.jetstream import JetStreamEventStore
from tests.support.sim import rollout_manifest

READY_DELAY = 0.05
CANARY = {
    "canaryService": "demo-canary",
    "stableService": "demo-stable",
    "trafficRouting": {"nginx": {"stableIngress": "demo"}},
    "steps": [{"setWeight": 20}, {"pause": {}}, {"setWeight": 50}, {"pause": {"duration": 1}}],
}


def manifest_yaml(image: str = "nginx:1", name: str = "demo") -> str:
    import yaml

    return yaml.safe_dump(rollout_manifest(name, replicas=2, image=image, canary=CANARY))


@dataclass
class System:
    settings: Settings
    app: RolloutsApp
    data_dir: Path

    async def cli(self, *args: str, stdin: str | None = None) -> Result:
        runner = CliRunner()
        argv = [*args, "--data-dir", str(self.data_dir)]
        return await asyncio.to_thread(runner.invoke, cli_app, argv, input=stdin)

    async def last_sequence(self) -> int:
        assert self.app.connection is not None
        return await JetStreamEventStore(self.app.connection.js).last_sequence()

    async def settled(self, quiet: float = 0.5) -> int:
        """The last stream sequence once nothing has been appended for `quiet` seconds
        (workers still report after the phase turns Healthy)."""
        last = await self.last_sequence()
        async with asyncio.timeout(20):
            while True:
                await asyncio.sleep(quiet)
                current = await self.last_sequence()
                if current == last:
                    return current
                last = current

    def write(self, name: str, text: str) -> str:
        path = self.data_dir / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    async def until(
        self, check: Callable[[Result], bool], *args: str, timeout: float = 20
    ) -> Result:
        """Run a CLI command again and again until `check` accepts its result."""
        async with asyncio.timeout(timeout):
            while True:
                result = await self.cli(*args)
                if check(result):
                    return result
                await asyncio.sleep(0.1)


@pytest.fixture
async def system(tmp_path: Path) -> AsyncIterator[System]:
    settings = Settings(data_dir=tmp_path)
    platform = LocalPlatform(ready_delay=READY_DELAY)
    await platform.start()
    app = create_app(settings, platform=platform, router=platform, start_embedded=True)
    with capture_logs():
        try:
            await app.start()
            yield System(settings, app, tmp_path)
        finally:
            await app.stop()
            await platform.stop()
