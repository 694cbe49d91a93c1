"""What each accepted command does (argo-semantics §2.5), through `decide`."""

from __future__ import annotations

from typing import Any

import pytest

import events.inputs as inp
import events.models as ev
from events.phases import AnalysisPhase, AnalysisRunKind
from tests.support.sim import Sim, analysis, istio_canary, rollout_manifest

STEPS = [{"setWeight": 25}, {"pause": {"duration": 60}}, {"analysis": analysis("a")}, {"pause": {}}]


def _canary(steps: list[Any] = STEPS) -> dict[str, Any]:
    return istio_canary(steps, analysis={**analysis("bg"), "startingStep": 1})


def _updated(canary: dict[str, Any] | None = None) -> Sim:
    canary = canary or _canary()
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=4, canary=canary))
    sim.deploy(rollout_manifest(replicas=4, image="app:2", canary=canary))
    return sim


def test_every_accepted_command_is_audited_first() -> None:
    sim = _updated()
    sim.command(inp.Pause, actor="alice")
    accepted = sim.events[-2]
    assert isinstance(accepted, ev.CommandAccepted)
    assert (accepted.command, accepted.actor, accepted.cause) == (
        "pause",
        "alice",
        sim.events[-1].cause,
    )


def test_promote_skips_a_running_step() -> None:
    """§2.5 promote (canary, not paused): currentStepIndex+1, the skipped run terminated."""
    sim = _updated()
    sim.command(inp.Promote)
    assert sim.state.current_step_index == 2 and sim.run(AnalysisRunKind.STEP) is not None
    step_run = sim.run(AnalysisRunKind.STEP)
    assert step_run is not None
    sim.command(inp.Promote)
    terminated = sim.of(ev.AnalysisRunTerminationRequested)
    assert [(e.run_name, e.reason) for e in terminated] == [(step_run.name, "step skipped")]
    assert sim.state.current_step_index == 3 and sim.phase == "Paused"


def test_promote_unpauses_a_manual_pause_too() -> None:
    sim = _updated()
    sim.command(inp.Pause)
    sim.command(inp.Promote)
    assert not sim.state.manually_paused and sim.state.current_step_index == 2


@pytest.mark.parametrize("where", ["timed pause", "step analysis", "after abort"])
def test_promote_full_from_anywhere(where: str) -> None:
    """e2e TestCanaryPromoteFull: at a timed pause, mid step analysis, after an abort."""
    sim = _updated()
    if where != "timed pause":
        sim.command(inp.Promote)
    if where == "after abort":
        sim.command(inp.Abort)
        sim.platform()
    sim.command(inp.Promote, full=True)
    sim.platform()
    assert sim.state.fully_promoted and sim.phase == "Healthy"
    assert sim.of(ev.RolloutCompleted)[-1].reason == "Full promotion requested"
    assert not sim.state.promote_full and not sim.state.abort
    assert all(
        run.phase.completed or run.termination_requested for run in sim.state.analysis_runs.values()
    )


def test_promote_full_holds_the_weight_until_the_canary_is_full() -> None:
    """TestRolloutUseDynamicWeightOnPromoteFull (non-dynamic): weight held at current value."""
    sim = _updated()
    sim.ready = False
    sim.command(inp.Promote, full=True)
    assert sim.rs(2).desired == 4 and sim.weight == 25 and sim.state.current_step_index == 4
    sim.ready = True
    sim.platform()
    assert sim.state.fully_promoted and sim.weight == 0


def test_abort_rewinds_and_retry_starts_over() -> None:
    """§2.5 abort: index 0, weight 0, pauses cleared; retry: same revision from step 0."""
    sim = _updated()
    sim.command(inp.Abort)
    assert sim.state.abort and sim.state.current_step_index == 0 and sim.weight == 0
    assert sim.state.pause_conditions == () and sim.phase == "Degraded"
    sim.command(inp.Retry)
    sim.platform()
    assert not sim.state.abort and sim.state.current_step_index == 1 and sim.phase == "Paused"
    assert sim.state.revision == 2 and sim.weight == 25


def test_pause_and_resume_toggle_the_users_pause() -> None:
    sim = _updated()
    sim.command(inp.Pause)
    assert sim.state.manually_paused and sim.of(ev.ManualPauseChanged)[-1].paused
    sim.command(inp.Resume)
    assert not sim.state.manually_paused


def test_resume_of_an_inconclusive_step_reruns_it() -> None:
    sim = _updated()
    sim.command(inp.Promote)
    sim.observe_run(AnalysisRunKind.STEP, AnalysisPhase.INCONCLUSIVE)
    sim.command(inp.Resume)
    assert sim.state.current_step_index == 2
    step_runs = [e for e in sim.of(ev.AnalysisRunRequested) if e.kind is AnalysisRunKind.STEP]
    assert len(step_runs) == 2


@pytest.mark.parametrize(
    ("container", "changed"),
    [("*", ["demo", "sidecar", "init"]), ("sidecar", ["sidecar"])],
)
def test_set_image(container: str, changed: list[str]) -> None:
    """kubectl argo rollouts set image: every container list, `*` or one name."""
    manifest = rollout_manifest(replicas=2, canary={"steps": [{"pause": {}}]})
    pod = manifest["spec"]["template"]["spec"]
    pod["containers"].append({"name": "sidecar", "image": "proxy:1"})
    pod["initContainers"] = [{"name": "init", "image": "setup:1"}]
    sim = Sim()
    sim.deploy(manifest)
    sim.command(inp.SetImage, container=container, image="new:9")
    assert sim.state.revision == 2
    spec = sim.state.spec
    assert spec is not None and spec.spec.template is not None
    template = spec.spec.template.model_dump(by_alias=True, exclude_unset=True)
    images = {
        c["name"]: c["image"]
        for key in ("containers", "initContainers")
        for c in template["spec"][key]
    }
    assert sorted(name for name, image in images.items() if image == "new:9") == sorted(changed)
    assert sim.of(ev.CommandAccepted)[-1].arguments == {"container": container, "image": "new:9"}


def test_undo_goes_back_to_the_previous_revision_by_default() -> None:
    sim = Sim()
    for image in ("app:1", "app:2", "app:3"):
        sim.deploy(rollout_manifest(replicas=2, image=image))
    sim.command(inp.Undo)
    reused = sim.of(ev.RevisionReused)[-1]
    assert reused.pod_template_hash == sim.rs(4).pod_template_hash
    assert sim.of(ev.CommandAccepted)[-1].arguments == {"to_revision": 2}
    assert _image(sim) == "app:2"


def test_undo_to_a_given_revision() -> None:
    sim = Sim()
    for image in ("app:1", "app:2", "app:3"):
        sim.deploy(rollout_manifest(replicas=2, image=image))
    sim.command(inp.Undo, to_revision=1)
    assert _image(sim) == "app:1" and sim.state.revision == 4


def _image(sim: Sim) -> str:
    spec = sim.state.spec
    assert spec is not None and spec.spec.template is not None
    template = spec.spec.template.model_dump(by_alias=True, exclude_unset=True)
    return str(template["spec"]["containers"][0]["image"])


def test_apply_of_an_identical_manifest_appends_nothing() -> None:
    sim = Sim()
    manifest = rollout_manifest(replicas=2)
    sim.deploy(manifest)
    assert sim.apply(manifest) == []


def test_apply_with_only_steps_changed_resets_the_update() -> None:
    """TestResetCurrentStepIndexOnStepChange."""
    sim = _updated()
    sim.command(inp.Promote)
    sim.deploy(rollout_manifest(replicas=4, image="app:2", canary=_canary(STEPS[:2])))
    reset = sim.of(ev.UpdateReset)[-1]
    assert reset.reason == "steps changed" and sim.state.revision == 2
    assert sim.state.current_step_index == 1 and sim.phase == "Paused"


def test_apply_of_a_pod_change_resets_to_step_zero() -> None:
    """TestResetCurrentStepIndexOnPodSpecChange."""
    sim = _updated()
    sim.command(inp.Promote)
    sim.apply(rollout_manifest(replicas=4, image="app:3", canary=_canary()))
    assert sim.state.current_step_index == 0 and sim.state.revision == 3


def test_redelivered_input_decides_nothing() -> None:
    sim = _updated()
    pause = inp.Pause(input_id="same")
    assert sim.send(pause)
    assert sim.send(pause) == []
    observed = inp.ReplicaSetObserved(
        input_id="obs",
        pod_template_hash=sim.rs(2).pod_template_hash,
        replicas=0,
        ready_replicas=0,
        available_replicas=0,
    )
    assert sim.send(observed)
    assert sim.send(observed) == []
