"""`rollouts bench`: every benchmark of the project in one run, with its targets.

The machine is assumed shared and noisy: each of our figures is set against a raw nats-py
baseline measured in the same run on the same server, and the ratio is the result; absolute
rates, the load average and the machine are context. Sections run one after the other, never
at once, so none disturbs another.
"""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

import structlog
from rich.console import Console

from adapters.bench.abort import measure_abort
from adapters.bench.append import measure_append
from adapters.bench.cli_start import measure_cli_start
from adapters.bench.conditions import measure_conditions
from adapters.bench.memory import measure_memory
from adapters.bench.multicluster import measure_multicluster
from adapters.bench.replay import measure_replay
from adapters.bench.restart import measure_restart
from adapters.bench.server import BenchServer, bench_server
from adapters.bench.targets import evaluate_targets
from adapters.bench.workload import history_decisions
from adapters.runtime.observability import configure_logging


@dataclass(frozen=True)
class Scale:
    append_rollouts: int
    replay_rounds: int
    abort_rollouts: int
    rss_rollouts: int
    fleet_rollouts: int
    """Rollouts per region in the fleet figure (4 regions, one fleet per rollout name)."""


QUICK = Scale(
    append_rollouts=100, replay_rounds=2, abort_rollouts=100, rss_rollouts=1000, fleet_rollouts=5
)
FULL = Scale(
    append_rollouts=1000,
    replay_rounds=3,
    abort_rollouts=1000,
    rss_rollouts=10_000,
    fleet_rollouts=250,
)


@contextlib.contextmanager
def logging_as_serve() -> Iterator[None]:
    """Log as `rollouts serve` does by default (INFO, console lines on stderr), not structlog's
    unconfigured default (everything, DEBUG included), then put the previous setup back."""
    previous = structlog.get_config()
    configure_logging(json_logs=False, level=logging.INFO)
    try:
        yield
    finally:
        structlog.configure(**previous)


def machine_info() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
    }


async def _store_sections(server: BenchServer, scale: Scale, console: Console) -> dict[str, Any]:
    console.print(f"[bold]append[/]: building {scale.append_rollouts} rollout histories")
    workload = {
        f"bench-{number:05d}": history_decisions(f"bench-{number:05d}")
        for number in range(scale.append_rollouts)
    }
    append = (await measure_append(server, workload, console)).as_dict()
    console.print(f"    append_ratio {append['append_ratio']}")
    console.print(f"[bold]replay[/]: {append['events']} events, best of {scale.replay_rounds}")
    replay = (await measure_replay(server, int(append["events"]), scale.replay_rounds)).as_dict()
    console.print(f"    replay_ratio {replay['replay_ratio']}")
    return {"append": append, "replay": replay}


async def run_bench(*, quick: bool, console: Console) -> dict[str, Any]:
    """Run every section (scaled down with `quick`) and return JSON-serialisable results."""
    scale = QUICK if quick else FULL
    started = time.perf_counter()
    result: dict[str, Any] = {"mode": "quick" if quick else "full", "scale": asdict(scale)}
    result["machine"] = machine_info()
    took: dict[str, float] = {}
    console.print("[bold]conditions[/]: compile and evaluate")
    result["conditions"] = measure_conditions(quick=quick)
    took["conditions"] = time.perf_counter() - started
    async with bench_server() as server:
        result["machine"]["nats_server"] = server.version
        result.update(await _store_sections(server, scale, console))
    took["append_and_replay"] = time.perf_counter() - started - sum(took.values())
    console.print(f"[bold]abort[/]: {scale.abort_rollouts} rollouts in the runtime")
    async with bench_server() as server:
        with logging_as_serve():
            result["abort"] = await measure_abort(server, scale.abort_rollouts, console)
    took["abort"] = time.perf_counter() - started - sum(took.values())
    console.print(f"[bold]fleet[/]: 4 regions x {scale.fleet_rollouts} rollouts, global abort")
    with logging_as_serve():
        raw_messages = 50 if quick else 200
        result["fleet"] = await measure_multicluster(
            scale.fleet_rollouts, console, raw_messages=raw_messages
        )
    took["fleet"] = time.perf_counter() - started - sum(took.values())
    console.print(f"[bold]memory[/]: {scale.rss_rollouts} rollouts")
    result["memory"] = await measure_memory(scale.rss_rollouts, quick=quick, console=console)
    took["memory"] = time.perf_counter() - started - sum(took.values())
    console.print("[bold]restart[/]: controller start to ready, snapshots vs full re-fold")
    async with bench_server() as server:
        result["restart"] = await measure_restart(server, quick=quick, console=console)
    took["restart"] = time.perf_counter() - started - sum(took.values())
    console.print("[bold]cli start[/]: `rollouts --help`, get, list, abort, promote")
    result["cli_start"] = measure_cli_start(runs=5 if quick else 11)
    took["cli_start"] = time.perf_counter() - started - sum(took.values())
    result["section_seconds"] = {name: round(seconds, 1) for name, seconds in took.items()}
    result["targets"] = evaluate_targets(result)
    result["machine"]["load_average_at_end"] = [round(load, 2) for load in os.getloadavg()]
    result["seconds"] = round(time.perf_counter() - started, 1)
    for name, target in result["targets"].items():
        verdict = "[green]met[/]" if target["met"] else "[red]missed[/]"
        role = "" if target["primary"] else " [dim](context)[/]"
        console.print(f"  {name}: {target['value']} (target {target['target']}) {verdict}{role}")
    return result
