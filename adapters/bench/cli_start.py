"""The `cli start` figure: start to exit of the `rollouts` command, against `python -c pass`.

What an operator feels before a command does anything is the interpreter's start plus the
imports and the argument parsing of that command. Each command here is run as a shell runs it
(a new process, the console script of this virtualenv) in a way that stops at its first IO: the
root `--help`, and `get`, `list`, `abort` and `promote` against a data directory with no server,
which loads everything the real command loads, builds its settings and fails at connect (exit 5).
The median of N runs of each is reported, with the same median for `python -c pass` measured
in the same loop, so the figure that counts is the difference (what our code costs). A second
baseline, `libraries`, imports only the third-party packages these commands load (typer with
the pydantic adapter it builds parameters with, nats-py with aiohttp deferred as the CLI defers
it, rich, asyncio) and nothing of ours: the floor any command on these libraries starts from.

    python -m adapters.bench.cli_start [RUNS]     # this figure alone
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_MS = 300.0
"""Issue 11: `--help`, `get`, `list`, `abort` and `promote` start in under 300 ms."""
COMMANDS: dict[str, tuple[str, ...]] = {
    "help": ("--help",),
    "get": ("get", "rollout", "demo"),
    "list": ("list",),
    "abort": ("abort", "demo"),
    "promote": ("promote", "demo"),
}

LIBRARIES = (
    "import sys; sys.modules['aiohttp'] = None; "
    "import asyncio, multidict, nats, nats.js, pydantic, rich.console, rich.live, rich.table, "
    "typer, typer._adapters"
)
"""What `get` loads from site-packages (`python -X importtime`), ours left out."""
BASELINES = ("python -c pass", "libraries")


def rollouts_executable() -> list[str]:
    """The console script next to this interpreter, as `pip install` made it."""
    script = Path(sys.executable).with_name("rollouts")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from adapters.cli.main import run; run()"]


def _elapsed_ms(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) milliseconds of one run; CPU shows what load hides."""
    cpu_before = _children_cpu()
    started = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = (time.perf_counter() - started) * 1000
    return wall, (_children_cpu() - cpu_before) * 1000


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _environment(data_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROLLOUTS_")}
    # An installation caches bytecode; a shell with PYTHONDONTWRITEBYTECODE would re-compile
    # every module of ours on every run (about 0.1 s) and measure that instead.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(ROLLOUTS_DATA_DIR=data_dir, COLUMNS="100")
    return env


def measure_cli_start(runs: int = 11) -> dict[str, Any]:
    """Median milliseconds per command and for the baseline; runs interleave so load is shared."""
    rollouts = rollouts_executable()
    names = [*BASELINES, *COMMANDS]
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory(prefix="rollouts-cli-start-") as data_dir:
        env = _environment(data_dir)
        for argv in [*COMMANDS.values()]:  # one unmeasured run each: bytecode caches are warm
            _elapsed_ms([*rollouts, *argv], env)
        for _ in range(runs):
            commands = {
                "python -c pass": [sys.executable, "-c", "pass"],
                "libraries": [sys.executable, "-c", LIBRARIES],
            }
            commands.update({name: [*rollouts, *argv] for name, argv in COMMANDS.items()})
            for name, command in commands.items():
                elapsed, spent = _elapsed_ms(command, env)
                wall[name].append(elapsed)
                cpu[name].append(spent)
    median = {name: round(statistics.median(values), 1) for name, values in wall.items()}
    baseline = median["python -c pass"]
    return {
        "runs": runs,
        "median_ms": median,
        "cpu_median_ms": {name: round(statistics.median(cpu[name]), 1) for name in names},
        "over_baseline_ms": {name: round(median[name] - baseline, 1) for name in COMMANDS},
        "over_libraries_ms": {
            name: round(median[name] - median["libraries"], 1) for name in COMMANDS
        },
        "slowest_ms": max(median[name] for name in COMMANDS),
    }


def main(argv: list[str]) -> None:
    runs = int(argv[1]) if len(argv) > 1 else 11
    result = measure_cli_start(runs)
    baseline = result["median_ms"]["python -c pass"]
    floor = result["median_ms"]["libraries"]
    print(
        f"cli start, median of {runs} runs (python -c pass: {baseline:.1f} ms, "
        f"libraries alone: {floor:.1f} ms)"
    )
    for name in COMMANDS:
        total = result["median_ms"][name]
        over = result["over_baseline_ms"][name]
        ours = result["over_libraries_ms"][name]
        verdict = "met" if total < TARGET_MS else "missed"
        print(
            f"  {name:8} {total:7.1f} ms  (+{over:.1f} over python, +{ours:.1f} over libraries)"
            f"  {verdict}"
        )


if __name__ == "__main__":
    main(sys.argv)
