"""`rollouts demo`: the whole story of a canary on the embedded default, in under a minute.

Returns the process exit code: 0 when every stage and the final check pass, 1 with expected vs
seen when anything does not. Everything started is stopped before returning, also on Ctrl-C
(the cancellation propagates once the cleanup is done).
"""

from __future__ import annotations

import asyncio
import contextlib

from rich.console import Console
from rich.text import Text

from adapters.demo.checks import check_outcome, summary
from adapters.demo.context import Demo
from adapters.demo.environment import start_demo
from adapters.demo.logs import demo_logging
from adapters.demo.scenario import STAGES
from adapters.demo.timings import demo_timings
from adapters.demo.waiting import ScenarioFailed
from adapters.runtime.client import ControllerUnavailable
from adapters.runtime.embedded import EmbeddedNatsError
from adapters.runtime.settings import Settings
from rollouts.ports import PortError

EXPECTED_FAILURES = (ScenarioFailed, ControllerUnavailable, EmbeddedNatsError, PortError)


async def play(demo: Demo) -> None:
    for stage in STAGES:
        await stage(demo)
    await check_outcome(demo)


def report_failure(console: Console, error: Exception) -> None:
    console.print(Text("\ndemo FAILED", style="bold red"))
    if isinstance(error, ScenarioFailed):
        console.print(Text(f"  while waiting for: {error.what}"), soft_wrap=True)
        console.print(Text(f"  expected: {error.expected}"), soft_wrap=True)
        console.print(Text(f"  saw:      {error.seen}"), soft_wrap=True)
    else:
        console.print(Text(f"  {type(error).__name__}: {error}"), soft_wrap=True)


async def run_demo(settings: Settings, console: Console, *, fast: bool = False) -> int:
    timings = demo_timings(fast)
    loop = asyncio.get_running_loop()
    began = loop.time()
    lines: list[str] = []
    with demo_logging(console):
        try:
            async with contextlib.AsyncExitStack() as stack:
                demo = await start_demo(stack, settings, console, timings)
                await play(demo)
                lines = summary(demo, loop.time() - began)
        except EXPECTED_FAILURES as error:
            report_failure(console, error)
            console.print("stopped everything the demo started; temporary data removed")
            return 1
        except asyncio.CancelledError:
            console.print("interrupted: stopped everything the demo started")
            raise
    console.print(Text("\n" + "\n".join(lines), style="bold green"), soft_wrap=True)
    return 0
