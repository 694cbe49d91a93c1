"""Abort latency: from publishing an `Abort` input to the rollout's proxy holding canary weight 0.

Three runs on the same fleet. Burst: every rollout's abort is published at once, the worst case
(all decisions and all traffic changes queue together; a fleet-wide abort is exactly that),
next to its raw baseline (`abort_raw`: the same two JetStream hops with handlers that do
nothing else, same server and loop).
Steady: the fleet is retried back to its pause, then the aborts arrive at `STEADY_RATE` per
second, the way real aborts would. Steady under a CPU hog: the same while another process
spins on one of the machine's cores (`cpu_hog`), as a busy node would; an abort must not wait
because the machine is busy.
The path measured is the whole one: input stream, controller (decide + atomic append), events
stream, projection, traffic worker, router. Each run also reports the garbage collector's
pauses, which stop the one event loop everything above shares.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from rich.console import Console

import events.inputs as inp
from adapters.bench.abort_raw import measure_raw_burst
from adapters.bench.children import ending_with_this_process
from adapters.bench.fleet import Fleet
from adapters.bench.percentiles import percentiles
from adapters.bench.server import BenchServer
from rollouts.ports import RolloutRef

STEADY_RATE = 100.0
"""Aborts per second in the steady run: 1,000 rollouts over 10 s."""
WAIT_SECONDS = 120.0


class CollectorPauses:
    """The cyclic GC's pauses while registered: a full collection of a big heap stops the
    event loop, and every abort in flight waits it out."""

    def __init__(self) -> None:
        self.pauses: list[tuple[float, int]] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((time.perf_counter() - self._started, int(info["generation"])))

    def __enter__(self) -> CollectorPauses:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)

    def summary(self) -> dict[str, float | int]:
        return {
            "gc_collections": len(self.pauses),
            "gc_full_collections": sum(1 for _, generation in self.pauses if generation == 2),
            "gc_max_pause_ms": round(max((p for p, _ in self.pauses), default=0.0) * 1000, 1),
        }


async def _abort_run(fleet: Fleet, rate: float | None) -> dict[str, float | int]:
    with CollectorPauses() as pauses:
        figures = await _timed_aborts(fleet, rate)
    return {**figures, **pauses.summary()}


async def _timed_aborts(fleet: Fleet, rate: float | None) -> dict[str, float | int]:
    """Publish one abort per rollout (all at once when `rate` is None); latencies per rollout."""
    fleet.router.zeroed_at.clear()
    sent: dict[RolloutRef, float] = {}
    started = time.perf_counter()

    async def one(position: int, ref: RolloutRef) -> None:
        if rate is not None:
            await asyncio.sleep(max(0.0, started + position / rate - time.perf_counter()))
        abort = inp.Abort(input_id=str(uuid.uuid4()), actor="bench")
        sent[ref] = time.perf_counter()
        await fleet.publish(ref.namespace, ref.name, abort)

    await asyncio.gather(*(one(position, ref) for position, ref in enumerate(fleet.refs)))
    deadline = time.perf_counter() + WAIT_SECONDS
    while len(fleet.router.zeroed_at) < len(fleet.refs) and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    missing = len(fleet.refs) - len(fleet.router.zeroed_at)
    if missing:
        raise TimeoutError(f"{missing} rollouts still had canary traffic {WAIT_SECONDS}s later")
    latencies = [(fleet.router.zeroed_at[ref] - sent[ref]) * 1000 for ref in fleet.refs]
    return {**percentiles(latencies), "seconds": round(time.perf_counter() - started, 2)}


async def _retried(fleet: Fleet) -> None:
    await fleet.wait_quiet()
    await fleet.send_all(lambda ref: inp.Retry(input_id=str(uuid.uuid4()), actor="bench"))
    await fleet.wait_paused("retried and paused again")


@asynccontextmanager
async def cpu_hog() -> AsyncIterator[None]:
    """Another process spinning on one core for as long as the block runs."""
    hog = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "while True: pass", preexec_fn=ending_with_this_process()
    )
    try:
        yield
    finally:
        hog.kill()
        await hog.wait()


async def measure_abort(server: BenchServer, size: int, console: Console) -> dict[str, object]:
    fleet = Fleet(server, size, console)
    try:
        console.print(f"    starting the runtime with {size} canary rollouts")
        await fleet.start()
        burst = await _abort_run(fleet, rate=None)
        console.print(f"    burst: {size} aborts at once, p99 {burst['p99_ms']} ms")
        await fleet.wait_quiet()
        raw = await measure_raw_burst(server.raw_js, size)
        console.print(f"    raw two-hop relay, {size} at once: p99 {raw['p99_ms']} ms")
        await _retried(fleet)
        steady = await _abort_run(fleet, rate=STEADY_RATE)
        console.print(f"    steady: {STEADY_RATE:.0f} aborts/s, p99 {steady['p99_ms']} ms")
        await _retried(fleet)
        async with cpu_hog():
            hogged = await _abort_run(fleet, rate=STEADY_RATE)
        console.print(f"    steady, CPU hog on one core: p99 {hogged['p99_ms']} ms")
        errors = [repr(error) for executor in fleet.app.executors for error in executor.errors]
    finally:
        await fleet.stop()
    return {
        "rollouts": size,
        "canary_weight_before": 20,
        "burst": {"description": f"{size} aborts published all at once", **burst},
        "burst_raw": {
            "description": f"{size} messages at once through two JetStream hops, nats-py only",
            **raw,
        },
        "burst_p99_ratio": round(burst["p99_ms"] / raw["p99_ms"], 2),
        "steady": {
            "description": f"{size} aborts at {STEADY_RATE:.0f}/s",
            "rate_per_s": STEADY_RATE,
            **steady,
        },
        "steady_cpu_hog": {
            "description": f"{size} aborts at {STEADY_RATE:.0f}/s, another process spinning "
            "on one core",
            "rate_per_s": STEADY_RATE,
            **hogged,
        },
        "worker_errors": errors[:5],
    }
