"""Real processes: Ctrl-C ends a watch with 130 and no traceback; serve stops cleanly.

The shell that runs the test suite may start it with SIGINT ignored (a background job), and
children inherit that, so each child gets the default handler back before it starts.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.cli.conftest import manifest_yaml

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ROLLOUTS = str(Path(sys.executable).parent / "rollouts")


def default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(out: Path, *args: str) -> subprocess.Popen[bytes]:
    with out.open("wb") as sink:
        # Only resets one signal disposition between fork and exec, which is safe with threads.
        return subprocess.Popen(
            [ROLLOUTS, *args],
            stdout=sink,
            stderr=subprocess.PIPE,
            preexec_fn=default_sigint,  # noqa: PLW1509
        )


def wait_for(path: Path, text: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while text not in path.read_text(encoding="utf-8", errors="replace"):
        assert time.monotonic() < deadline, f"{text!r} never appeared in {path.read_text()}"
        time.sleep(0.05)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ROLLOUTS, *args], check=False, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Path]:
    log = tmp_path / "serve.log"
    server = start(log, "serve", "--data-dir", str(tmp_path), "--ready-delay", "0.05")
    try:
        wait_for(log, "serving")
        yield tmp_path
    finally:
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=20)
    assert server.returncode == 0, stderr
    assert log.read_text().splitlines()[-2:] == ["stopping...", "stopped"]
    assert not (tmp_path / "server.json").exists()


def test_ctrl_c_ends_watches_quietly(served: Path) -> None:
    data = ["--data-dir", str(served)]
    (served / "demo.yaml").write_text(manifest_yaml())
    assert run("apply", "-f", str(served / "demo.yaml"), *data).returncode == 0
    assert run("status", "demo", "-t", "30s", *data).returncode == 0
    assert run("set", "image", "demo", "demo=nginx:2", *data).returncode == 0
    for args, first in (
        (["status", "demo"], ""),
        (["events", "demo", "--follow"], "SUMMARY"),
        (["get", "rollout", "demo", "--watch"], "Name:"),
    ):
        out = served / "watch.out"
        watcher = start(out, *args, *data)
        wait_for(out, first or "-")
        watcher.send_signal(signal.SIGINT)
        _, stderr = watcher.communicate(timeout=20)
        assert (watcher.returncode, stderr) == (130, b""), args
