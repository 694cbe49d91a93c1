"""The memory probe, run as its own process: `python -m adapters.bench.memory_probe N`.

It rebuilds the real `Controller`'s state for N rollouts and prints one JSON object (its last
line of output): resident memory (VmRSS) before and after, per rollout. With `--serve` it
builds instead what a `serve` process keeps per rollout: the projection shared by the
controller and the workers, and the per-rollout Prometheus series the app attaches to it
(`RolloutMetrics.observe_state`). With `--tracemalloc` it also lists the source lines that
allocated the most of what stayed (slower: for diagnosis only).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import tracemalloc
from pathlib import Path
from typing import Any

from adapters.bench.replay_source import TemplateReplay
from adapters.bench.sizes import field_sizes
from adapters.runtime.observability import RolloutMetrics
from adapters.runtime.projection import StateProjection
from adapters.workers.controller import Controller, SystemClock

SAMPLE = 200
TOP_LINES = 15


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    import resource  # not Linux: the peak is the best there is

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def settled_rss_kb() -> int:
    gc.collect()
    return rss_kb()


def top_allocations(snapshot: tracemalloc.Snapshot, rollouts: int) -> list[dict[str, Any]]:
    stats = snapshot.statistics("lineno")[:TOP_LINES]
    return [
        {
            "where": f"{stat.traceback[0].filename.rsplit('site-packages/', 1)[-1]}"
            f":{stat.traceback[0].lineno}",
            "bytes_per_rollout": round(stat.size / rollouts),
            "blocks_per_rollout": round(stat.count / rollouts, 1),
        }
        for stat in stats
    ]


async def rebuilt_controller(source: TemplateReplay) -> Controller:
    controller = Controller(source, SystemClock())
    await controller.start()
    return controller


async def probe(rollouts: int, updates: int, trace: bool) -> dict[str, Any]:
    """Two controllers of half the rollouts each: the second half's growth is the marginal
    cost of a rollout, free of fixed costs (interpreter arenas kept by the replay pages)."""
    half = rollouts // 2
    sources = [TemplateReplay(half, updates), TemplateReplay(rollouts - half, updates, first=half)]
    if trace:
        tracemalloc.start()
    before = settled_rss_kb()
    first = await rebuilt_controller(sources[0])
    middle = settled_rss_kb()
    second = await rebuilt_controller(sources[1])
    after = settled_rss_kb()
    snapshot = tracemalloc.take_snapshot() if trace else None
    tracemalloc.stop()
    keys = (await sources[0].rollouts())[:SAMPLE]
    sample = [state for key in keys if (state := first.state(*key)) is not None]
    result: dict[str, Any] = {
        "rollouts": first.rollout_count + second.rollout_count,
        "updates_per_rollout": updates,
        "events_per_rollout": sources[0].events_per_rollout,
        "rss_before_kb": before,
        "rss_after_kb": after,
        "kb_per_rollout": round((after - before) / rollouts, 2),
        "marginal_kb_per_rollout": round((after - middle) / (rollouts - half), 2),
        "state_fields_bytes_per_rollout": field_sizes(sample),
    }
    if snapshot is not None:
        result["top_allocations"] = top_allocations(snapshot, rollouts)
    return result


async def probe_serve(rollouts: int, updates: int) -> dict[str, Any]:
    """What `serve` keeps: one projection, shared by the controller, with its metrics series
    (attached after the rebuild here, which leaves the same series as attaching before)."""
    source = TemplateReplay(rollouts, updates)
    before = settled_rss_kb()
    projection = StateProjection(source)
    await projection.rebuild()
    metrics = RolloutMetrics()
    for key, state in projection.states.items():
        metrics.observe_state(key, state)
    projection.on_event(metrics.observe_state)
    controller = Controller(source, SystemClock(), projection, metrics=metrics)
    after = settled_rss_kb()
    return {
        "rollouts": controller.rollout_count,
        "rss_before_kb": before,
        "rss_after_kb": after,
        "kb_per_rollout": round((after - before) / rollouts, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m adapters.bench.memory_probe")
    parser.add_argument("rollouts", type=int)
    parser.add_argument("--updates", type=int, default=3)
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--serve", action="store_true")
    args = parser.parse_args()
    if args.serve:
        result = asyncio.run(probe_serve(args.rollouts, args.updates))
    else:
        result = asyncio.run(probe(args.rollouts, args.updates, args.tracemalloc))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
