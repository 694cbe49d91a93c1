"""The per-rollout gauges follow the state: one series per label set, none left behind."""

from __future__ import annotations

from adapters.runtime.observability import RolloutMetrics
from events.phases import RolloutPhase
from rollouts.state import initial_state


def _phase_lines(metrics: RolloutMetrics) -> list[str]:
    text = metrics.exposition().decode()
    return [line for line in text.splitlines() if line.startswith("rollout_phase{")]


def test_a_phase_change_replaces_the_series() -> None:
    metrics = RolloutMetrics()
    key = ("default", "shop")
    state = initial_state(*key).model_copy(update={"phase": RolloutPhase.PROGRESSING})
    metrics.observe_state(key, state)
    metrics.observe_state(key, state.model_copy(update={"phase": RolloutPhase.PAUSED}))
    lines = _phase_lines(metrics)
    assert len(lines) == 1
    assert 'phase="Paused"' in lines[0]


def test_observing_the_same_state_again_changes_nothing() -> None:
    metrics = RolloutMetrics()
    key = ("default", "shop")
    state = initial_state(*key).model_copy(update={"phase": RolloutPhase.HEALTHY, "revision": 3})
    metrics.observe_state(key, state)
    before = metrics.exposition()
    metrics.observe_state(key, state)
    assert metrics.exposition() == before
    assert 'revision="3"' in before.decode()


def test_rollouts_keep_their_own_series() -> None:
    metrics = RolloutMetrics()
    for name, phase in (("a", RolloutPhase.HEALTHY), ("b", RolloutPhase.DEGRADED)):
        key = ("default", name)
        metrics.observe_state(key, initial_state(*key).model_copy(update={"phase": phase}))
    metrics.observe_state(
        ("default", "a"),
        initial_state("default", "a").model_copy(update={"phase": RolloutPhase.PAUSED}),
    )
    lines = _phase_lines(metrics)
    assert len(lines) == 2
    by_rollout = {line.split('rollout="')[1].split('"')[0]: line for line in lines}
    assert 'phase="Paused"' in by_rollout["a"]
    assert 'phase="Degraded"' in by_rollout["b"]
