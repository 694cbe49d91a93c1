"""The fleet figure: global abort, from a failing measurement in one region to canary weight 0
at the proxy of the last region, across a hub and four regional NATS servers.

The topology is the fleet's own (`LocalFleetServers`: deploy/fleet's hub.conf and region.conf,
leaf nodes, one JetStream domain per region); each region's runtime and the coordinator process
are in `multicluster_region`. `fleets` FleetRollouts each run one rollout in every region,
all four in one wave, each paused in an analysis step at canary weight 20. The bench fails one
region's check, one fleet after another at `RATE` per second, the failing region turning with
the fleet. From there the path is the product's: that region's controller aborts its rollout,
the hub sources its history, the coordinator decides the global abort, NATS carries the
commands to every region, each relay and controller aborts, and each traffic worker sets
weight 0.

Next to it, in the same run and on the same servers: NATS alone carrying one message from the
hub into every region's stream (`multicluster_raw`). The ratio of the two is the figure.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nats
from rich.console import Console

from adapters.bench.multicluster_raw import measure_raw_fanout
from adapters.bench.multicluster_region import (
    NAMESPACE,
    REGIONS,
    BenchRegion,
    coordinator_process,
    fleet_manifest,
)
from adapters.bench.percentiles import percentiles
from adapters.fleet.client import FleetClient
from adapters.fleet.local import LocalFleetServers
from adapters.workers.analysis import MAX_CONCURRENT_MEASUREMENTS
from events import fleet as ev
from events.phases import RolloutPhase
from rollouts.ports import RolloutRef

RATE = 5.0
"""Failing measurements per second: 250 fleets over 50 s. Measured on 2 shared cores, the
coordinator, deciding one input at a time, decides about 13 global aborts a second with 1,000
rollouts reporting; at 25/s the figure measured its queue (p50 6.4 s), not the path."""
WAIT_SECONDS = 120.0
SETUP_SECONDS = 900.0
APPLY_CONCURRENCY = 16
RAW_MESSAGES = 200


class MultiClusterBench:
    def __init__(self, regions: dict[str, BenchRegion], hub: FleetClient, console: Console) -> None:
        self.regions, self.hub, self.console = regions, hub, console
        self.refs: list[RolloutRef] = []
        self.failing: dict[RolloutRef, BenchRegion] = {}
        """Each fleet's rollout -> the region whose check fails: each region in turn."""

    async def apply_all(self, image: str) -> None:
        slots = asyncio.Semaphore(APPLY_CONCURRENCY)

        async def one(ref: RolloutRef) -> None:
            item = ev.ApplyFleet(
                input_id=f"bench-{ref.name}-{image}",
                manifest=fleet_manifest(ref.name, image, self.failing[ref].name),
            )
            async with slots:
                outcome = await self.hub.send(f"fleet-{ref.name}", item, timeout=60.0)
            if outcome.status != "accepted":
                raise RuntimeError(f"apply fleet-{ref.name}: {outcome.status} {outcome.message}")

        await asyncio.gather(*(one(ref) for ref in self.refs))

    async def wait_all(self, done: Callable[[BenchRegion, RolloutRef], bool], what: str) -> None:
        started = time.perf_counter()
        total = len(self.refs) * len(self.regions)
        while True:
            ready = sum(1 for r in self.regions.values() for ref in self.refs if done(r, ref))
            if ready == total:
                took = time.perf_counter() - started
                self.console.print(f"    {total} rollouts {what} ({took:.1f} s)")
                return
            if time.perf_counter() - started > SETUP_SECONDS:
                raise TimeoutError(f"only {ready}/{total} rollouts {what} in {SETUP_SECONDS}s")
            await asyncio.sleep(0.2)

    async def setup(self, fleets: int) -> None:
        self.refs = [RolloutRef(NAMESPACE, f"r{n:05d}") for n in range(fleets)]
        regions = list(self.regions.values())
        self.failing = {ref: regions[n % len(regions)] for n, ref in enumerate(self.refs)}
        if -(-fleets // len(regions)) > MAX_CONCURRENT_MEASUREMENTS:
            raise ValueError(
                f"fleets: at most {MAX_CONCURRENT_MEASUREMENTS * len(regions)} (each region "
                f"holds one check per fleet failing there, {MAX_CONCURRENT_MEASUREMENTS} at most)"
            )
        await self.apply_all("shop/app:1.0.0")

        def healthy(region: BenchRegion, ref: RolloutRef) -> bool:
            state = region.state(ref)
            return state is not None and state.phase is RolloutPhase.HEALTHY

        await self.wait_all(healthy, "created and healthy")
        await self.apply_all("shop/app:2.0.0")
        await self.wait_all(
            lambda r, ref: r.analysing(ref, self.failing[ref] is r), "at weight 20, analysing"
        )

    async def abort_run(self) -> dict[str, Any]:
        """One failing measurement per fleet at RATE/s; per fleet, the last region's weight 0."""
        for region in self.regions.values():
            region.router.zeroed_at.clear()
        started = time.perf_counter()

        async def fail(position: int, ref: RolloutRef) -> None:
            await asyncio.sleep(max(0.0, started + position / RATE - time.perf_counter()))
            self.failing[ref].jobs.fail(ref.name)

        await asyncio.gather(*(fail(position, ref) for position, ref in enumerate(self.refs)))
        await self._wait_zeroed()
        sent = {ref: self.failing[ref].jobs.failed_at[ref.name] for ref in self.refs}
        last = [
            max(r.router.zeroed_at[ref] for r in self.regions.values()) - sent[ref]
            for ref in self.refs
        ]
        local = [self.failing[ref].router.zeroed_at[ref] - sent[ref] for ref in self.refs]
        return {
            "last_region": percentiles([s * 1000 for s in last]),
            "failing_region": percentiles([s * 1000 for s in local]),
            "seconds": round(time.perf_counter() - started, 2),
        }

    async def _wait_zeroed(self) -> None:
        deadline = time.perf_counter() + WAIT_SECONDS
        total = len(self.refs) * len(self.regions)
        while time.perf_counter() < deadline:
            zeroed = sum(len(r.router.zeroed_at) for r in self.regions.values())
            if zeroed >= total:
                return
            await asyncio.sleep(0.01)
        raise TimeoutError(
            f"{total - zeroed} rollouts still had canary traffic {WAIT_SECONDS}s later"
        )

    def at_zero(self) -> dict[str, int]:
        return {
            name: sum(1 for ref in self.refs if region.router.weights.get(ref) == 0)
            for name, region in self.regions.items()
        }


async def measure_multicluster(
    fleets: int, console: Console, *, raw_messages: int = RAW_MESSAGES
) -> dict[str, Any]:
    """The fleet figure and its raw baseline, on one hub and four regions."""
    async with contextlib.AsyncExitStack() as stack:
        base = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-fleet-")))
        servers = LocalFleetServers(REGIONS, base_dir=base / "nats")
        stack.push_async_callback(servers.stop)
        await servers.start()
        await stack.enter_async_context(
            coordinator_process(servers.hub.url, base / "coordinator.log")
        )
        regions: dict[str, BenchRegion] = {}
        for name, server in servers.regions.items():
            regions[name] = BenchRegion(name, server.url, base / "apps" / name)
            stack.push_async_callback(regions[name].stop)
            await regions[name].start()
        hub = await nats.connect(servers.hub.url, max_reconnect_attempts=-1)
        stack.push_async_callback(hub.close)
        bench = MultiClusterBench(regions, FleetClient(hub), console)
        console.print(f"    {fleets} fleets x {len(REGIONS)} regions")
        await bench.setup(fleets)
        raw = await measure_raw_fanout(servers, raw_messages)
        console.print(
            f"    raw hub -> every region: p50 {raw['p50_ms']} ms, p99 {raw['p99_ms']} ms"
        )
        figures = await bench.abort_run()
        at_zero = bench.at_zero()
    last = figures["last_region"]
    console.print(
        f"    global abort, last region at weight 0: "
        f"p50 {last['p50_ms']} ms, p99 {last['p99_ms']} ms"
    )
    return {
        "regions": len(REGIONS),
        "fleets": fleets,
        "rollouts_per_region": fleets,
        "rate_per_s": RATE,
        "abort": figures,
        "raw_fanout": raw,
        "at_weight_zero": at_zero,
        "p50_ratio": round(last["p50_ms"] / raw["p50_ms"], 2),
        "p99_ratio": round(last["p99_ms"] / raw["p99_ms"], 2),
    }
