"""CPU budgets that mean the same on a slower machine: a limit scaled by this machine's speed,
measured at the moment a case is judged.

Several tests bound the CPU time a hostile input may cost (a condition, a manifest) to catch
blow-ups: cases that once took seconds. Their limits were set on a machine where the reference
work below took `REFERENCE_MS`. These machines differ and are shared: on a 2 GHz EPYC running
an unoptimised pyenv build of Python, every CPU figure of this project (interpreter start, CLI
start, the abort burst, these tests) came out about 2.2 times the first machine's. So a case
over its written limit is judged again against the limit times this machine's slowness, both
measured now, best of several runs. The factor is never below 1: a faster machine keeps the
limits as written, and a real blow-up (10x and more) fails on any machine.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass

REFERENCE_MS = 10.0
"""The reference's best CPU time on the machine the limits were set on (estimated: about 22 ms
on the machine above, divided by 2.2)."""
RUNS = 7


def cpu_ms(run: Callable[[], object]) -> float:
    """CPU time of this thread (other processes do not count), with the cyclic GC paused."""
    gc.disable()
    try:
        start = time.thread_time()
        run()
        return (time.thread_time() - start) * 1000
    finally:
        gc.enable()


def _reference() -> None:
    """Interpreter work of the kinds the bounded code does: strings, dicts, sorting, calls."""
    words = [f"{number:x}-{number % 97}" for number in range(12_000)]
    lengths = {word: len(word) for word in words}
    ordered = sorted(words, key=lambda word: (lengths[word], word))
    "".join(word.upper() for word in ordered[::3]).count("A")


@dataclass(frozen=True)
class Yardstick:
    """Legitimate work of the same kind as the bounded one; a limit is a multiple of its best CPU
    time, measured when a case is judged, so the ratio holds on any machine and any load."""

    work: Callable[[], object]

    def ms(self) -> float:
        return min(cpu_ms(self.work) for _ in range(RUNS))

    def admits(self, spent_ms: float, multiple: float) -> bool:
        return spent_ms < multiple * self.ms()


GENERIC = Yardstick(_reference)
"""For limits with no legitimate work of their own kind to compare with."""


def within(spent_ms: float, limit_ms: float) -> bool:
    """`spent_ms` is within `limit_ms` as written, or as scaled to this machine's speed now
    (the reference's best time against REFERENCE_MS; a faster machine keeps the limit)."""
    return spent_ms < limit_ms or GENERIC.admits(spent_ms, limit_ms / REFERENCE_MS)
