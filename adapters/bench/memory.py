"""Resident memory per tracked rollout, measured in fresh interpreters (`memory_probe`).

Two figures, each from a process of its own: the controller's state alone (`kb_per_rollout`),
and what a `serve` process keeps (`serve_kb_per_rollout`: the projection the controller and
the workers share, with its metrics series). A separate process keeps each figure clean: this
one has run servers, thousands of rollouts and a benchmark's garbage by then. When the target is
missed in a full run, a smaller probe runs under tracemalloc to name the source lines that
allocate what the state keeps.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from rich.console import Console

from adapters.bench.children import ending_with_this_process

RSS_TARGET_KB = 20.0
TRACE_ROLLOUTS = 2000
PROBE_TIMEOUT = 900.0


class ProbeFailed(RuntimeError):
    """The memory probe exited with an error or printed no result."""


async def run_probe(rollouts: int, *, trace: bool = False, serve: bool = False) -> dict[str, Any]:
    args = [sys.executable, "-m", "adapters.bench.memory_probe", str(rollouts)]
    if trace:
        args.append("--tracemalloc")
    if serve:
        args.append("--serve")
    process = await asyncio.create_subprocess_exec(
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        preexec_fn=ending_with_this_process(),
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), PROBE_TIMEOUT)
    except BaseException:
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise
    lines = stdout.decode().strip().splitlines()
    if process.returncode != 0 or not lines:
        raise ProbeFailed(
            f"memory probe exited with {process.returncode}: {stderr.decode()[-500:]}"
        )
    result: dict[str, Any] = json.loads(lines[-1])
    return result


async def measure_memory(rollouts: int, *, quick: bool, console: Console) -> dict[str, Any]:
    console.print(f"    rebuilding the controller's state for {rollouts} rollouts (subprocess)")
    result = await run_probe(rollouts)
    console.print(f"    and what `serve` keeps for {rollouts} rollouts (subprocess)")
    serve = await run_probe(rollouts, serve=True)
    result["serve_kb_per_rollout"] = serve["kb_per_rollout"]
    result["serve_rss_after_kb"] = serve["rss_after_kb"]
    console.print(
        f"    {result['kb_per_rollout']} KB per rollout "
        f"(marginal {result['marginal_kb_per_rollout']}, serve {result['serve_kb_per_rollout']})"
    )
    if result["kb_per_rollout"] > RSS_TARGET_KB and not quick:
        console.print(f"    over target: tracing allocations for {TRACE_ROLLOUTS} rollouts")
        traced = await run_probe(min(rollouts, TRACE_ROLLOUTS), trace=True)
        result["top_allocations"] = traced["top_allocations"]
    return result
