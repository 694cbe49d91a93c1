"""Step texts and the step hash as Argo writes them (issue 13): `pause`, `pause: 10`,
`pause: 10s`; a canary with no `steps` key hashes Go's nil slice, `null`."""

from __future__ import annotations

import events.models as ev
from events.base import Event
from rollouts.decide.revisions import steps_hash_of
from rollouts.hashing import fnv32a, safe_encode, step_hash
from rollouts.spec import Rollout
from rollouts.state import RolloutState
from tests.support.sim import Sim, rollout_manifest


def _argo_hash(marshalled: bytes) -> str:
    """What Argo's ComputeStepHash makes of json.Marshal's output."""
    return safe_encode(str(fnv32a(marshalled)))


def _rollout(canary: dict[str, object]) -> Rollout:
    return Rollout.model_validate(rollout_manifest(canary=canary))


def test_no_steps_key_hashes_null_and_empty_steps_hash_an_empty_list() -> None:
    assert steps_hash_of(_rollout({})) == _argo_hash(b"null") == step_hash(None)
    assert steps_hash_of(_rollout({"steps": []})) == _argo_hash(b"[]")


def test_single_key_steps_hash_as_go_marshals_them() -> None:
    steps = [{"setWeight": 20}, {"pause": {"duration": "10s"}}, {"pause": {}}]
    expected = _argo_hash(b'[{"setWeight":20},{"pause":{"duration":"10s"}},{"pause":{}}]')
    assert steps_hash_of(_rollout({"steps": steps})) == expected


def _completed_steps(canary: dict[str, object]) -> list[str]:
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=2, canary=canary))
    sim.deploy(rollout_manifest(replicas=2, image="x:2", canary=canary))
    sim.run_timers(limit=120)
    return [e.step for e in sim.of(ev.RolloutStepCompleted)]


def test_step_completed_texts_keep_the_duration_as_written() -> None:
    steps = [
        {"setWeight": 20},
        {"pause": {"duration": 10}},
        {"pause": {"duration": "10s"}},
        {"pause": {"duration": "10"}},
    ]
    assert _completed_steps({"steps": steps}) == [
        "setWeight: 20",
        "pause: 10",
        "pause: 10s",
        "pause: 10",
    ]


def test_recorded_spec_keeps_the_duration_as_written() -> None:
    sim = Sim()
    sim.deploy(rollout_manifest(canary={"steps": [{"pause": {"duration": "1h30m"}}]}))
    (applied,) = sim.of(ev.SpecApplied)
    assert applied.manifest["spec"]["strategy"]["canary"]["steps"] == [
        {"pause": {"duration": "1h30m"}}
    ]
    assert sim.state.steps[0].pause is not None
    assert sim.state.steps[0].pause.duration == 5400


def _reapplied_after_upgrade(canary: dict[str, object], earlier_hash: str) -> list[Event]:
    """A rollout mid-update whose recorded step hash an earlier version computed."""
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=2, canary=canary))
    sim.deploy(rollout_manifest(replicas=2, image="x:2", canary=canary))
    state: RolloutState = sim.state.model_copy(update={"current_step_hash": earlier_hash})
    sim.state = state
    mark = sim.mark()
    sim.apply(rollout_manifest(replicas=3, image="x:2", canary=canary))  # not a steps edit
    return sim.since(mark, ev.UpdateReset)


def test_hashes_recorded_by_earlier_versions_do_not_restart_an_update() -> None:
    steps = [{"setWeight": 20}, {"pause": {"duration": "10m"}}]
    earlier = step_hash([{"setWeight": 20}, {"pause": {"duration": 600}}])
    assert _reapplied_after_upgrade({"steps": steps}, earlier) == []
    assert _reapplied_after_upgrade({}, step_hash([])) == []
    assert _reapplied_after_upgrade({"steps": steps}, "something-else") != []
