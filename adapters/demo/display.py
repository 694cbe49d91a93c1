"""Where the demo's output goes: a Rich Live panel on a terminal, plain lines when piped.

Both displays get the same calls (stage, note, event, and a tick four times a second); only the
terminal one redraws in place. Ticks run on the event loop (Rich's auto-refresh thread is off)
so the load generator's counters are never read from another thread.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from datetime import datetime

from rich.console import Console
from rich.live import Live
from rich.text import Text

from adapters.demo.panel import render
from adapters.demo.split import TrafficWindow
from adapters.demo.timings import REFRESH_INTERVAL
from adapters.demo.view import (
    describe_replica_sets,
    event_line,
    status_line,
    step_progress,
    weights,
)
from adapters.demo.waiting import cancel_and_wait
from events.store import StoredEvent
from rollouts.state import RolloutState

RECENT_EVENTS = 10


class Display:
    def __init__(
        self,
        console: Console,
        state: Callable[[], RolloutState],
        window: TrafficWindow,
        started: datetime,
    ) -> None:
        self.console = console
        self.window = window
        self._state = state
        self._started = started
        self._task: asyncio.Task[None] | None = None
        self._last_key: object = None

    def stage(self, title: str) -> None:
        self.console.print(Text(f"\n== {title}", style="bold"), soft_wrap=True)

    def note(self, text: str, style: str = "") -> None:
        self.console.print(Text(f"   {text}", style=style), soft_wrap=True)

    def event(self, stored: StoredEvent) -> None:
        """Plain output: the event, then the status line if the event changed what it shows
        (drawn here, not only on ticks, so a state shorter than a tick is not skipped)."""
        self.console.print(Text(event_line(stored, self._started), style="dim"), soft_wrap=True)
        self.draw()

    def start(self) -> None:
        self._task = asyncio.create_task(self._refresh(), name="demo: refresh display")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
        self.draw()

    async def _refresh(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self.window.sample(loop.time())
            self.draw()
            await asyncio.sleep(REFRESH_INTERVAL)

    def draw(self) -> None:
        """Plain output: one status line whenever the rollout's visible state changes."""
        state = self._state()
        if state.spec is None:
            return  # nothing applied yet: a status line of dashes says nothing
        key = (state.phase, step_progress(state), weights(state), describe_replica_sets(state))
        if key != self._last_key:
            self._last_key = key
            line = status_line(state, self.window.recent())
            self.console.print(Text(line, style="cyan"), soft_wrap=True)


class LiveDisplay(Display):
    """The panel redrawn in place; events and notes scroll above it, recent events below."""

    def __init__(
        self,
        console: Console,
        state: Callable[[], RolloutState],
        window: TrafficWindow,
        started: datetime,
    ) -> None:
        super().__init__(console, state, window, started)
        self._recent: deque[str] = deque(maxlen=RECENT_EVENTS)
        self._live = Live(
            console=console, auto_refresh=False, redirect_stdout=False, redirect_stderr=False
        )

    def event(self, stored: StoredEvent) -> None:
        self._recent.append(event_line(stored, self._started))

    def start(self) -> None:
        self._live.start()
        super().start()

    async def stop(self) -> None:
        await super().stop()
        self._live.stop()

    def draw(self) -> None:
        state = self._state()
        title = f"rollout {state.namespace}/{state.name}"
        self._live.update(render(state, self.window.recent(), self._recent, title), refresh=True)


def make_display(
    console: Console, state: Callable[[], RolloutState], window: TrafficWindow, started: datetime
) -> Display:
    kind = LiveDisplay if console.is_terminal else Display
    return kind(console, state, window, started)
