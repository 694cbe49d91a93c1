"""Processes a bench starts end with it, however it ends.

A bench spawns a CPU hog, controllers, memory probes and a fleet coordinator, and stops each in
a `finally`. A bench killed with SIGKILL (a CI timeout, an operator's `kill -9`) runs no
`finally`: its children lived on, and a hog left spinning on a core skews every later
measurement on the machine. So each child asks the kernel (Linux's `PR_SET_PDEATHSIG`) for
SIGTERM when the bench's thread that spawned it ends. Elsewhere nothing changes: the `finally`
blocks still stop them on any orderly exit.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import signal
import sys
from collections.abc import Callable

PR_SET_PDEATHSIG = 1


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """libc's `prctl`, found in the parent (once: `find_library` runs `ldconfig -p`, 2.4 ms):
    a child between fork and exec must not load a library (that takes locks another thread of
    the parent may have held at the fork)."""
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    prctl: Callable[..., int] = ctypes.CDLL(name, use_errno=True).prctl
    return prctl


def ending_with_this_process() -> Callable[[], None] | None:
    """A `preexec_fn` tying the child to the calling thread (None where the kernel cannot):
    pass it as `preexec_fn=` to `subprocess.Popen` or `asyncio.create_subprocess_exec`."""
    prctl = _prctl()
    if prctl is None:
        return None
    parent = os.getpid()

    def tie() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the tie: nobody will stop us
            os._exit(1)

    return tie
