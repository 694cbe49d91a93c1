"""`get rollout` says what a restart is doing: before its time, while pods are evicted, and
not at all once `status.restartedAt` caught up."""

from __future__ import annotations

from datetime import timedelta

from adapters.cli.render import render_rollout
from adapters.cli.view import build_view
from tests.unit.cli.fakes import render_text
from tests.unit.restart.test_restart_decide import deployed, restart


def restart_line(view_text: str) -> list[str]:
    return [line for line in view_text.splitlines() if line.startswith("Restart:")]


def test_a_restart_to_come_then_in_progress_then_gone() -> None:
    sim, world = deployed(replicas=4)
    assert build_view(sim.state).restart is None
    restart(sim, after=60)
    at = sim.now + timedelta(seconds=60)
    assert build_view(sim.state).restart == (
        f"pods created before {at:%Y-%m-%dT%H:%M:%SZ} are restarted from then on"
    )
    world.run()
    assert sim.state.restarted_at == at
    assert build_view(sim.state).restart is None
    assert restart_line(render_text(render_rollout(build_view(sim.state)))) == []


def test_evictions_are_counted_while_the_restart_runs() -> None:
    sim, world = deployed(replicas=4)
    restart(sim)
    world.step()
    while sim.state.restart is None or sim.state.restart.evicted == 0:
        assert world.step(), "the restart never evicted a pod"
    evicted = sim.state.restart.evicted
    text = render_text(render_rollout(build_view(sim.state)))
    assert restart_line(text) == [
        f"Restart:        pods created before "
        f"{sim.state.pending_restart:%Y-%m-%dT%H:%M:%SZ}: {evicted} evicted so far"
    ]
