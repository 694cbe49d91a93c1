"""The demo's plain output: a status line only when something watched changes, once per
decision; weights said as what the router holds; traffic measured at the weights shown."""

from __future__ import annotations

import asyncio
import io
import itertools

from rich.console import Console

import events.inputs as inp
from adapters.demo.display import Display
from adapters.demo.split import TrafficWindow
from adapters.demo.view import step_progress, watched, weights
from adapters.local import LoadGenerator
from events.base import Event
from events.store import StoredEvent
from rollouts.evolve import evolve
from rollouts.state import RolloutState, TrafficState
from tests.support.sim import T0, Sim
from tests.unit.cli import scenarios


def promoted_but_not_yet_applied() -> RolloutState:
    sim = scenarios.canary_paused()
    sim.route = False  # the router has not confirmed the last request yet
    sim.command(inp.Promote, full=True)
    sim.platform()
    sim.run_timers()
    return sim.state


def test_after_promotion_the_weight_says_what_the_router_holds() -> None:
    state = promoted_but_not_yet_applied()
    canary, stable = state.traffic.canary_hash, state.traffic.stable_hash
    assert canary == stable, "promoted: canary and stable are the same ReplicaSet"
    held = state.model_copy(
        update={
            "traffic": state.traffic.model_copy(
                update={
                    "applied_canary": 20,
                    "applied_canary_hash": canary,
                    "applied_stable_hash": state.replica_sets[
                        next(h for h in state.replica_sets if h != canary)
                    ].pod_template_hash,
                }
            )
        }
    )
    assert weights(held) == "1.19 80% / 2 20% (moving to 2 100%)"
    done = held.model_copy(
        update={
            "traffic": TrafficState(
                requested_canary=0,
                canary_hash=canary,
                stable_hash=canary,
                applied_canary=0,
                applied_canary_hash=canary,
                applied_stable_hash=canary,
            )
        }
    )
    assert weights(done) == "2 100%"


def test_steps_are_named_from_one() -> None:
    assert step_progress(scenarios.canary_paused().state) == "step 2 of 4: pause (until promoted)"
    assert step_progress(scenarios.canary_promoted().state) == "all 4 steps done"


def test_pods_becoming_ready_one_by_one_are_not_watched() -> None:
    sim = scenarios.canary_paused()
    rs = sim.rs(1)
    before = watched(sim.state)
    sim.observe_rs(rs.pod_template_hash, 4, available=3)
    partial = watched(sim.state)
    assert partial != before  # one pod fewer ready: the ReplicaSet is no longer all ready
    sim.observe_rs(rs.pod_template_hash, 4, available=3)
    assert watched(sim.state) == partial


class Story:
    """Feeds a simulated rollout's events to a Display, state folded as the demo's watch does."""

    def __init__(self, sim: Sim) -> None:
        self.output = io.StringIO()
        console = Console(file=self.output, force_terminal=False, width=300)
        self.load = LoadGenerator("http://127.0.0.1:9", rps=1)
        self.window = TrafficWindow(self.load)
        self.state = RolloutState(namespace=sim.namespace, name=sim.name)
        self.display = Display(console, lambda: self.state, self.window, T0)

    def feed(self, events: list[Event]) -> None:
        for index, event in enumerate(events, start=1):
            self.state = evolve(self.state, event)
            stored = StoredEvent(index, index, None, event)  # type: ignore[arg-type]
            self.display.event(stored)

    def lines(self, prefix: str) -> list[str]:
        return [line for line in self.output.getvalue().splitlines() if line.startswith(prefix)]


async def test_one_status_line_per_decision_and_only_on_change() -> None:
    sim = scenarios.canary_promoted()
    story = Story(sim)
    story.feed(sim.events)
    await story.display.stop()
    seen, boundaries, statuses = 0, [], []
    for line in story.output.getvalue().splitlines():
        if line.lstrip()[:1].isdigit():
            seen += 1
        elif line.startswith("  "):
            boundaries.append(seen)
            statuses.append(line)
    causes = [event.cause for event in sim.events]
    for after in boundaries:  # never between two events of one decision
        assert after == len(causes) or causes[after - 1] != causes[after], after
    assert 0 < len(statuses) <= len(set(causes)) < len(causes) / 2
    assert all(a != b for a, b in itertools.pairwise(statuses))


async def test_traffic_is_measured_from_the_weight_change_on() -> None:
    sim = scenarios.canary_paused()
    story = Story(sim)
    loop = asyncio.get_running_loop()
    story.load.counts.update({("demo:v1", 200): 500})  # before the canary got any weight
    story.window.sample(loop.time() - 5)
    story.feed(sim.events)
    started = loop.time()
    story.load.counts.update({("nginx:1.19", 200): 80, ("nginx:2", 200): 20})
    story.window.sample(started + 1.0)
    story.display.tick()
    (line,) = story.lines("  traffic")
    assert "1.19 80% / 2 20%, errors 0.0% (100 answers)" in line
    assert line.endswith("at weight 1.19 80% / 2 20%")
    story.display.tick()
    assert len(story.lines("  traffic")) == 1, "once per weight period"
