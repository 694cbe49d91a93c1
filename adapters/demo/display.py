"""Where the demo's output goes: a Rich Live panel on a terminal, plain lines when piped.

Both displays get the same calls (stage, note, event, and a tick four times a second); only the
terminal one redraws in place. Piped, a status line is printed only when something a person
watches changed (phase, step, the weights the router holds, a ReplicaSet's size or readiness),
once the decision behind it is over, and the traffic once per weight period, measured at it.
Ticks run on the event loop (Rich's auto-refresh thread is off) so the load generator's
counters are never read from another thread.
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
from adapters.demo.split import WINDOW_SECONDS, TrafficWindow
from adapters.demo.timings import REFRESH_INTERVAL
from adapters.demo.view import event_line, status_line, traffic_line, watched, weights_held
from adapters.demo.waiting import cancel_and_wait
from events.store import StoredEvent
from rollouts.state import RolloutState

RECENT_EVENTS = 10


SETTLED_AFTER = 0.1
"""Seconds without a new event after which the last decision counts as finished."""


class Display:
    """Plain output: event lines, a status line only when something watched changed, and one
    traffic line per weight period, measured at those weights."""

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
        self._settled: RolloutState | None = None
        """The state after the last event, drawn once its decision is over."""
        self._cause = ""
        self._event_at = 0.0
        self._held = "-"
        self._traffic_told = True

    def stage(self, title: str) -> None:
        self.flush()
        self.console.print(Text(f"\n== {title}", style="bold"), soft_wrap=True)

    def note(self, text: str, style: str = "") -> None:
        self.flush()
        self.console.print(Text(f"   {text}", style=style), soft_wrap=True)

    def event(self, stored: StoredEvent) -> None:
        """The event's line; the status line waits until the decision it belongs to is over
        (its events share a cause), so one decision gives at most one status line."""
        if stored.event.cause != self._cause:
            self.flush()
        self._cause = stored.event.cause
        self.console.print(Text(event_line(stored, self._started), style="dim"), soft_wrap=True)
        self._settled = self._state()
        self._event_at = _now()
        self._follow_weights(self._settled)

    def flush(self) -> None:
        settled, self._settled = self._settled, None
        if settled is not None:
            self.draw_status(settled)

    def _follow_weights(self, state: RolloutState) -> None:
        """Restart the traffic window when the router's weights change."""
        held = weights_held(state)
        if held != self._held:
            self._held = held
            self.window.restart(_now())
            self._traffic_told = held == "-"

    def start(self) -> None:
        self._task = asyncio.create_task(self._refresh(), name="demo: refresh display")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
        self.tick(final=True)

    async def _refresh(self) -> None:
        while True:
            self.window.sample(_now())
            self.tick()
            await asyncio.sleep(REFRESH_INTERVAL)

    def tick(self, final: bool = False) -> None:
        if final or _now() - self._event_at >= SETTLED_AFTER:
            self.flush()
        if not self._traffic_told and self.window.span() >= WINDOW_SECONDS:
            self._traffic_told = True
            line = traffic_line(self.window.recent(), self._held, self.window.span())
            self.console.print(Text(line, style="cyan"), soft_wrap=True)

    def draw_status(self, state: RolloutState) -> None:
        if state.spec is None:
            return  # nothing applied yet: a status line of dashes says nothing
        key = watched(state)
        if key != self._last_key:
            self._last_key = key
            self.console.print(Text(status_line(state), style="cyan"), soft_wrap=True)


def _now() -> float:
    return asyncio.get_running_loop().time()


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
        self._follow_weights(self._state())

    def start(self) -> None:
        self._live.start()
        super().start()

    async def stop(self) -> None:
        await super().stop()
        self._live.stop()

    def tick(self, final: bool = False) -> None:
        state = self._state()
        title = f"rollout {state.namespace}/{state.name}"
        self._live.update(render(state, self.window.recent(), self._recent, title), refresh=True)


def make_display(
    console: Console, state: Callable[[], RolloutState], window: TrafficWindow, started: datetime
) -> Display:
    kind = LiveDisplay if console.is_terminal else Display
    return kind(console, state, window, started)
