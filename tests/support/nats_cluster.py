"""A real three-server JetStream cluster on loopback ports, whose servers can be SIGKILLed.

Each server gets its own client port, route port and store directory, and routes to all three
(a route to itself is ignored by the server), as deploy/nats's StatefulSet configures its pods.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Self

import nats
from nats.js.errors import Error as JetStreamError

from tests.support.nats import free_port, nats_server_binary, wait_until_listening

CONFIG = """server_name: {name}
listen: 127.0.0.1:{port}
jetstream {{
  store_dir: "{store}"
}}
cluster {{
  name: rollouts
  listen: 127.0.0.1:{route_port}
  routes: [{routes}]
}}
"""


class ClusterServer:
    def __init__(self, name: str, directory: Path, route_ports: list[int], index: int) -> None:
        self.name = name
        self.port = free_port()
        self.directory = directory
        self.route_port = route_ports[index]
        self.routes = ", ".join(f"nats-route://127.0.0.1:{p}" for p in route_ports)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        config = self.directory / "server.conf"
        config.write_text(
            CONFIG.format(
                name=self.name,
                port=self.port,
                store=self.directory / "js",
                route_port=self.route_port,
                routes=self.routes,
            )
        )
        command = [str(nats_server_binary()), "-c", str(config)]
        command += ["-l", str(self.directory / "server.log")]
        with (self.directory / "server.err").open("ab") as errors:
            self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        process = self.process
        wait_until_listening("127.0.0.1", self.port, alive=lambda: process.poll() is None)

    def kill(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(10)


class NatsCluster:
    def __init__(self, directory: Path, size: int = 3) -> None:
        route_ports = [free_port() for _ in range(size)]
        self.servers = {
            f"n{i + 1}": ClusterServer(f"n{i + 1}", directory / f"n{i + 1}", route_ports, i)
            for i in range(size)
        }

    @property
    def url(self) -> str:
        """Every server, comma-separated: what a client of a cluster is configured with."""
        return ",".join(server.url for server in self.servers.values())

    def start(self) -> Self:
        for server in self.servers.values():
            server.start()
        return self

    async def wait_for_jetstream(self, timeout: float = 30.0) -> None:
        """Until the cluster has a JetStream meta leader and takes a stream request."""
        deadline = time.monotonic() + timeout
        nc = await nats.connect(self.url.split(","), max_reconnect_attempts=0)
        try:
            while True:
                with contextlib.suppress(JetStreamError, TimeoutError):
                    await nc.jetstream().account_info()
                    return
                if time.monotonic() > deadline:
                    raise RuntimeError("the cluster elected no JetStream leader")
                await asyncio.sleep(0.2)
        finally:
            await nc.close()

    def close(self) -> None:
        for server in self.servers.values():
            server.kill()

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
