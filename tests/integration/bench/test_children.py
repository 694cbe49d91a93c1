"""A bench's children end with it, even when the bench is killed and runs no `finally`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from adapters.bench.children import ending_with_this_process

pytestmark = pytest.mark.skipif(
    ending_with_this_process() is None, reason="PR_SET_PDEATHSIG is Linux's alone"
)

PARENT = """
import subprocess, sys, time
from adapters.bench.children import ending_with_this_process
tie = ending_with_this_process() if sys.argv[1] == "tied" else None
child = subprocess.Popen([sys.executable, "-c", "while True: pass"], preexec_fn=tie)
print(child.pid, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead, only not yet reaped
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


def _child_after_parent_killed(mode: str) -> int:
    with subprocess.Popen(
        [sys.executable, "-c", PARENT, mode], stdout=subprocess.PIPE, text=True
    ) as parent:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        parent.send_signal(signal.SIGKILL)
    return child


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_tied_child_ends_when_the_bench_is_killed() -> None:
    child = _child_after_parent_killed("tied")
    assert _wait_gone(child, 10.0), "the child outlived its killed parent"


def test_an_untied_child_would_have_lived_on() -> None:
    """The contrast that makes the test above mean something."""
    child = _child_after_parent_killed("untied")
    try:
        assert not _wait_gone(child, 1.0)
    finally:
        os.kill(child, signal.SIGKILL)
