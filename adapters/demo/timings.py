"""How long the demo lets each thing take, at normal speed and in the fast mode the tests use.

Every wait in the scenario is bounded by `WAIT_TIMEOUT` (read at call time, so a test can shrink
it to force a failure); pauses are whole seconds because Argo's pause durations are.
"""

from __future__ import annotations

from dataclasses import dataclass

WAIT_TIMEOUT = 30.0
"""Upper bound of any single wait: generous, since a 2-core machine may run other work too."""

REFRESH_INTERVAL = 0.25
"""The live view redraws (and the traffic window samples) four times a second."""


@dataclass(frozen=True, slots=True)
class DemoTimings:
    ready_delay: float
    """Seconds a local pod takes to become ready: long enough to see replicas come up."""
    pause_seconds: int
    """Duration of the timed pause steps of the canary."""
    rps: float
    """Offered load on the rollout's proxy for the whole demo."""
    settle: float
    """The moment the demo lets the viewer look at an indefinite pause before promoting."""
    observe: float
    """How long the bad version is watched taking traffic before the abort: shorter than the
    pause after setWeight 20, so the abort comes while the canary takes 20%."""
    wait_timeout: float


def demo_timings(fast: bool) -> DemoTimings:
    if fast:
        return DemoTimings(
            ready_delay=0.05,
            pause_seconds=1,
            rps=40.0,
            settle=0.2,
            observe=0.5,
            wait_timeout=WAIT_TIMEOUT,
        )
    return DemoTimings(
        ready_delay=0.3,
        pause_seconds=2,
        rps=100.0,
        settle=1.5,
        observe=1.2,
        wait_timeout=WAIT_TIMEOUT,
    )
