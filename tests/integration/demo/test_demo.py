"""`rollouts demo` end to end on the embedded default, in fast mode.

The demo is the README's main command, so it is tested the way a user runs it: the whole
scenario against embedded NATS, the in-process workers and the local platform, with the output
checked for every stage and the abort latency, and the process left exactly as it was (no
task, socket, child process or temporary directory behind), also when the scenario fails.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from adapters.demo import manifests, run_demo, timings
from adapters.runtime.settings import Settings

pytestmark = pytest.mark.integration

STAGE_HEADINGS = (
    "== 1. Initial deploy of demo:v1",
    "== 2. set image demo:v2",
    "== 3. promote",
    "== 4. set image demo:v3",
    "== 5. set image demo:v4",
)


def open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def child_processes() -> set[int]:
    """Processes whose parent is this one (the embedded nats-server while it runs)."""
    children = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():
            children.add(int(entry.name))
    return children


class Snapshot:
    """What the process holds before the demo, to compare with after it."""

    def __init__(self, temp_root: Path) -> None:
        self.temp_root = temp_root
        self.fds = open_fds()
        self.children = child_processes()

    def assert_restored(self) -> None:
        assert list(self.temp_root.iterdir()) == [], "temporary data left behind"
        assert child_processes() <= self.children, "a child process (nats-server) still runs"
        leaked = {fd for fd in open_fds() - self.fds if _is_socket_or_pipe(fd)}
        assert not leaked, f"sockets or pipes left open: {sorted(leaked)}"


def _is_socket_or_pipe(fd: str) -> bool:
    try:
        target = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return False
    return target.startswith(("socket:", "pipe:"))


@pytest.fixture
def snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Snapshot]:
    temp_root = tmp_path / "temp"
    temp_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp_root))
    taken = Snapshot(temp_root)
    yield taken
    taken.assert_restored()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The user's settings: the demo must not use (or create) their data directory."""
    return Settings(data_dir=tmp_path / "user-data", actor="tester")


async def play(settings: Settings) -> tuple[int, str]:
    output = io.StringIO()
    console = Console(file=output, force_terminal=False, width=200)
    code = await run_demo(settings, console, fast=True)
    return code, output.getvalue()


@pytest.mark.slow
async def test_demo_runs_every_stage_and_reports_the_abort_latency(
    snapshot: Snapshot, settings: Settings
) -> None:
    code, output = await play(settings)

    assert code == 0, output
    for heading in STAGE_HEADINGS:
        assert heading in output
    assert "Paused      step 5 of 7: pause (until promoted)" in output
    assert "analysistemplate default/demo-error-rate configured" in output
    assert "analysis error-rate (result < 0.05): 0, 0, 0 -> every one Successful" in output
    assert "error rate rising:" in output
    latency = re.search(r"abort -> proxy at 0% canary in (\d+) ms", output)
    assert latency is not None, output
    assert int(latency.group(1)) < 5000
    assert "RolloutAborted: Rollout aborted update to revision 3" in output
    assert "traffic: v2 100%" in output
    assert re.search(r"events on the stream: \d+", output)
    assert re.search(r"answered by .*v1 \d+, v2 \d+, v3 \d+", output)
    assert re.search(r"bad v3 and abort: [\d.]+s, phases Progressing -> .*Degraded\n", output)
    failing = re.search(
        r"measurement 1 of error-rate: value ([\d.]+) -> Failed "
        r'\(value [\d.]+: successCondition "result < 0.05" is false\)',
        output,
    )
    assert failing is not None, output
    assert float(failing.group(1)) >= 0.05
    rollback = re.search(r"failing measurement -> proxy at 0% canary in (\d+) ms", output)
    assert rollback is not None and int(rollback.group(1)) < 5000
    assert (
        "RolloutAborted: Rollout aborted update to revision 4: Step-based analysis phase "
        'error/failed: Metric "error-rate" assessed Failed due to failed (1) > failureLimit (0)'
    ) in output
    assert re.search(
        r"bad v4 caught by analysis: [\d.]+s, phases Progressing -> .*Degraded\n", output
    )
    assert re.search(r"answered by .*v4 \d+", output)
    assert "actor=tester" in output
    assert not settings.data_dir.exists()


async def test_a_wait_that_times_out_fails_with_expected_and_seen(
    snapshot: Snapshot, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timings, "WAIT_TIMEOUT", 0.01)

    code, output = await play(settings)

    assert code == 1, output
    assert "demo FAILED" in output
    assert "while waiting for: initial deploy (timed out after 0.01s)" in output
    assert "expected: Healthy, fully promoted to demo:v1 with 5 pods available" in output
    assert "saw:      phase " in output
    assert "stopped everything the demo started" in output
    assert "demo passed" not in output


@pytest.mark.slow
async def test_a_rollout_that_goes_elsewhere_fails_at_once(
    snapshot: Snapshot, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the indefinite pause the canary completes: the demo says so instead of waiting."""
    original = manifests.canary_steps

    def without_indefinite_pause(pause_seconds: int) -> list[dict[str, Any]]:
        return [step for step in original(pause_seconds) if step != {"pause": {}}]

    monkeypatch.setattr(manifests, "canary_steps", without_indefinite_pause)

    code, output = await play(settings)

    assert code == 1, output
    assert "while waiting for: canary of v2\n" in output
    assert "expected: Paused at step 5 of 7 (pause until promoted) with demo:v2 as canary" in output
    assert "saw:      phase Healthy" in output
    assert "timed out" not in output
