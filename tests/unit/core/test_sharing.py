"""Equal pod specs are held once; nothing reads differently for it."""

from __future__ import annotations

import copy

import pytest
from pydantic_core import from_json

from adapters.bench.workload import rollout_manifest
from rollouts import sharing
from rollouts.decide.revisions import steps_hash_of
from rollouts.sharing import shared_pod_spec, shared_rollout, shared_state, shared_template
from rollouts.spec import Rollout
from rollouts.state import ReplicaSetState, RolloutState, initial_state
from rollouts.state_changes import changed

IMAGE = "registry.example/shop/app:1.0.0"


def rollout(name: str, image: str = IMAGE) -> Rollout:
    return Rollout.model_validate(rollout_manifest(name, image))


def test_two_rollouts_with_equal_pods_hold_one_pod_spec() -> None:
    first, second = shared_rollout(rollout("a")), shared_rollout(rollout("b"))
    assert first.spec.template is not None and second.spec.template is not None
    assert first.spec.template.spec is second.spec.template.spec
    assert first.spec.template.metadata != second.spec.template.metadata  # labels stay apart


def test_a_different_image_is_not_shared() -> None:
    first, second = shared_rollout(rollout("a")), shared_rollout(rollout("b", image="x:2"))
    assert first.spec.template is not None and second.spec.template is not None
    assert first.spec.template.spec is not second.spec.template.spec
    assert second.spec.template.spec["containers"][0]["image"] == "x:2"


def test_a_shared_rollout_reads_and_dumps_as_before() -> None:
    original = rollout("c")
    shared_rollout(rollout("d"))  # holds an equal pod spec first
    shared = shared_rollout(original)
    assert shared == original
    assert shared.model_dump(exclude_unset=True) == original.model_dump(exclude_unset=True)
    assert shared.spec.model_fields_set == original.spec.model_fields_set


def test_a_template_shares_its_pod_spec_with_the_rollout() -> None:
    spec = shared_rollout(rollout("e"))
    assert spec.spec.template is not None
    template = copy.deepcopy(rollout_manifest("e", IMAGE)["spec"]["template"])
    held = shared_template(template)
    assert held == template and held["spec"] is spec.spec.template.spec
    assert shared_template({"metadata": {}}) == {"metadata": {}}


def test_a_decoded_state_is_shared_whole() -> None:
    template = copy.deepcopy(rollout_manifest("f", IMAGE)["spec"]["template"])
    rs = ReplicaSetState(pod_template_hash="h", revision=1, template=template, created_order=0)
    state = changed(initial_state("ns", "f"), {"spec": rollout("f"), "replica_sets": {"h": rs}})
    shared = shared_state(state)
    assert shared == state
    assert shared.spec is not None and shared.spec.spec.template is not None
    assert shared.replica_sets["h"].template["spec"] is shared.spec.spec.template.spec


def test_the_table_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sharing, "TABLE_SIZE", 3)
    monkeypatch.setattr(sharing, "_HELD", type(sharing._HELD)())
    for number in range(10):
        shared_pod_spec({"containers": [{"name": "app", "image": f"x:{number}"}]})
    assert len(sharing._HELD) == 3


def test_equal_steps_are_shared_and_hash_as_before() -> None:
    first, second = shared_rollout(rollout("g")), shared_rollout(rollout("h"))
    canary_of = [r.spec.strategy.canary for r in (first, second)]
    assert canary_of[0] is not None and canary_of[1] is not None
    assert canary_of[0].steps is canary_of[1].steps
    assert canary_of[0].canary_service != canary_of[1].canary_service  # names stay apart
    assert steps_hash_of(second) == steps_hash_of(rollout("h"))


@pytest.mark.parametrize(
    "first_step",
    [
        {"setWeight": 20},
        {"setWeight": 20, "pause": None},
        {"pause": {}},
        {"pause": {"duration": 0}},
        {"pause": {"duration": "0s"}},
        {"setCanaryScale": {"matchTrafficWeight": True}},
    ],
)
def test_shared_steps_hash_as_their_own(first_step: dict[str, object]) -> None:
    """Whatever is held first, a rollout's shared steps hash as its own did: the key is the
    very dump decide hashes, so steps written differently are never mixed up."""
    steps: list[dict[str, object]] = [{"setWeight": 20}, {"pause": {}}, first_step]
    for step in steps:
        manifest = rollout_manifest("j", IMAGE)
        manifest["spec"]["strategy"]["canary"]["steps"][0] = step
        own = Rollout.model_validate(manifest)
        assert steps_hash_of(shared_rollout(own)) == steps_hash_of(own)
        assert steps_hash_of(shared_rollout(own, manifest)) == steps_hash_of(own)


def test_steps_keyed_as_written_are_shared_and_apart_from_other_writings() -> None:
    """evolve passes the manifest, whose steps key the steps without dumping them."""
    manifests = [rollout_manifest(name, IMAGE) for name in ("k", "l", "m")]
    manifests[2]["spec"]["strategy"]["canary"]["steps"][0] = {"setWeight": 20, "pause": None}
    first, second, third = (shared_rollout(Rollout.model_validate(m), m) for m in manifests)
    steps = [r.spec.strategy.canary.steps for r in (first, second, third) if r.spec.strategy.canary]
    assert steps[0] is steps[1]
    assert steps[2] == steps[0] and steps[2] is not steps[0], "written otherwise: held apart"


def test_states_read_back_share_by_their_own_json() -> None:
    """A snapshot's state is keyed by the parts of the JSON it was read from: equal pod specs
    and steps are held once across states, and nothing reads or hashes differently."""
    states = []
    for name in ("n", "o"):
        template = copy.deepcopy(rollout_manifest(name, IMAGE)["spec"]["template"])
        rs = ReplicaSetState(pod_template_hash="h", revision=1, template=template, created_order=0)
        state = changed(
            initial_state("ns", name), {"spec": rollout(name), "replica_sets": {"h": rs}}
        )
        text = state.model_dump_json(exclude_unset=True)
        read = RolloutState.model_validate_json(text)
        states.append((state, shared_state(read, from_json(text))))
    (first, first_read), (second, second_read) = states
    assert first_read == first and second_read == second
    assert first_read.model_dump_json(exclude_unset=True) == first.model_dump_json(
        exclude_unset=True
    )
    for read in (first_read, second_read):
        assert read.spec is not None and read.spec.spec.template is not None
        assert read.replica_sets["h"].template["spec"] is read.spec.spec.template.spec
    first_spec, second_spec = first_read.spec, second_read.spec
    assert first_spec is not None and second_spec is not None
    assert first_spec.spec.template is not None and second_spec.spec.template is not None
    assert first_spec.spec.template.spec is second_spec.spec.template.spec
    first_canary, second_canary = first_spec.spec.strategy.canary, second_spec.spec.strategy.canary
    assert first_canary is not None and second_canary is not None
    assert first_canary.steps is second_canary.steps
    assert steps_hash_of(first_spec) == steps_hash_of(rollout("n"))
    assert any(key.startswith("json pod ") for key in sharing._HELD)
    assert any(key.startswith("json steps ") for key in sharing._HELD)
