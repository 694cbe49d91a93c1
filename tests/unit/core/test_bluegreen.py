"""Blue-green lifecycle without analysis (argo-semantics §2.4): preview at once, the pause,
the active switch, the old stack's scale-down delay and aborts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

import events.inputs as inp
import events.models as ev
from events.phases import PauseReason
from rollouts.timers import next_wakeup
from tests.support.sim import Sim, rollout_manifest

BASE = {"activeService": "active", "previewService": "preview"}


def _sim(**blue_green: Any) -> tuple[Sim, dict[str, Any]]:
    spec = {**BASE, **blue_green}
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=3, blue_green=spec))
    return sim, spec


def _update(sim: Sim, spec: dict[str, Any], image: str = "app:2") -> None:
    sim.deploy(rollout_manifest(replicas=3, image=image, blue_green=spec))


def _switches(sim: Sim, role: str) -> list[str]:
    return [e.pod_template_hash for e in sim.of(ev.ServiceSelectorSwitched) if e.role == role]


def test_initial_deploy_switches_both_services_and_promotes() -> None:
    """TestBlueGreenCreatesReplicaSet, TestBlueGreenStableRSReconciliationShouldNotScaleOnFirst-
    TimeRollout: active only once the stack is available."""
    sim = Sim()
    sim.ready = False
    sim.apply(rollout_manifest(replicas=3, blue_green=BASE))
    first = sim.state.current_pod_hash
    assert _switches(sim, "preview") == [first] and _switches(sim, "active") == []
    assert sim.of(ev.RolloutCompleted)[0].reason == "Initial deploy"
    sim.ready = True
    sim.platform()
    assert _switches(sim, "active") == [first] and sim.phase == "Healthy"


def test_preview_follows_the_new_set_immediately() -> None:
    """TestBlueGreenSetPreviewService."""
    sim, spec = _sim()
    sim.ready = False
    _update(sim, spec)
    assert _switches(sim, "preview")[-1] == sim.state.current_pod_hash
    assert sim.state.selectors["active"] == sim.state.stable_rs
    assert sim.replicas_by_revision() == {1: 3, 2: 3}


def test_active_switches_only_when_the_new_set_is_saturated() -> None:
    sim, spec = _sim()
    sim.ready = False
    _update(sim, spec)
    new = sim.state.current_pod_hash or ""
    sim.observe_rs(new, 3, available=2)
    assert sim.state.selectors["active"] != new
    sim.observe_rs(new, 3)
    assert sim.state.selectors["active"] == new and sim.state.fully_promoted
    assert sim.of(ev.RolloutCompleted)[-1].reason == "Completed blue-green update"


def test_preview_replica_count_then_full_size() -> None:
    """TestPreviewReplicaCountHandleScaleUpPreviewCheckPoint."""
    sim, spec = _sim(previewReplicaCount=1, autoPromotionEnabled=False)
    _update(sim, spec)
    assert sim.replicas_by_revision() == {1: 3, 2: 1} and sim.phase == "Paused"
    sim.command(inp.Promote)
    assert sim.of(ev.ScaleUpPreviewCheckpointPassed)
    assert sim.rs(2).desired == 3 and sim.state.selectors["active"] != sim.state.current_pod_hash
    sim.platform()
    assert sim.state.fully_promoted and not sim.state.scale_up_preview_checkpoint


def test_auto_promotion_disabled_pauses_until_promote() -> None:
    """TestBlueGreenHandlePause, requiresManualAction BlueGreen_AutoPromotionDisabled."""
    sim, spec = _sim(autoPromotionEnabled=False)
    _update(sim, spec)
    assert sim.state.pause_condition(PauseReason.BLUE_GREEN_PAUSE) is not None
    assert sim.phase == "Paused" and next_wakeup(sim.state) is None
    sim.advance(86400)
    assert not sim.state.fully_promoted
    sim.command(inp.Promote)
    assert sim.state.fully_promoted and sim.phase == "Healthy"


def test_auto_promotion_seconds_promotes_at_pause_start_plus_n() -> None:
    """TestBlueGreenHandlePauseAutoPromoteWithConditions, CompletedBlueGreenPause."""
    sim, spec = _sim(autoPromotionSeconds=20)
    _update(sim, spec)
    paused_at = sim.now
    assert sim.phase == "Paused" and next_wakeup(sim.state) == paused_at + timedelta(seconds=20)
    sim.advance(19)
    assert not sim.state.fully_promoted
    sim.run_timers()
    assert sim.state.fully_promoted
    assert sim.of(ev.RolloutCompleted)[-1].at == paused_at + timedelta(seconds=20)


def test_promote_restarts_an_auto_promotion_pause_and_full_promotion_ends_it() -> None:
    """Argo's CompletedBlueGreenPause: with autoPromotionSeconds, a pause that is gone means
    "we never paused", so clearing it (promote) only makes the controller pause again, with a
    new start time. `promote --full` is the way to skip the wait."""
    sim, spec = _sim(autoPromotionSeconds=600)
    _update(sim, spec)
    sim.advance(100)
    sim.command(inp.Promote)
    condition = sim.state.pause_condition(PauseReason.BLUE_GREEN_PAUSE)
    assert condition is not None and condition.start_time == sim.now
    assert not sim.state.fully_promoted
    sim.command(inp.Promote, full=True)
    assert sim.state.fully_promoted
    assert sim.of(ev.RolloutCompleted)[-1].reason == "Full promotion requested"


@pytest.mark.parametrize(("delay", "expected"), [(None, 30), (5, 5)])
def test_old_active_stack_waits_for_scale_down_delay(delay: int | None, expected: int) -> None:
    """TestBlueGreenAddScaleDownDelayToPreviousActiveReplicaSet."""
    sim, spec = _sim(**({} if delay is None else {"scaleDownDelaySeconds": delay}))
    _update(sim, spec)
    switched_at = sim.now
    assert sim.rs(1).desired == 3
    assert next_wakeup(sim.state) == switched_at + timedelta(seconds=expected)
    sim.run_timers()
    assert sim.rs(1).desired == 0
    assert sim.of(ev.ReplicaSetScaleRequested)[-1].at == switched_at + timedelta(seconds=expected)


def test_scale_down_delay_revision_limit() -> None:
    """TestBlueGreenScaleDownLimit: beyond the limit old stacks go at once."""
    sim, spec = _sim(scaleDownDelaySeconds=600, scaleDownDelayRevisionLimit=1)
    _update(sim, spec)
    _update(sim, spec, image="app:3")
    assert sim.replicas_by_revision() == {1: 0, 2: 3, 3: 3}


def test_new_revision_while_in_preview_repoints_preview_and_drops_the_old_preview() -> None:
    """§2.6: V2 in preview, V3 applied: V2 is scaled down after its delay, V1 stays active."""
    sim, spec = _sim(autoPromotionEnabled=False, scaleDownDelaySeconds=10)
    _update(sim, spec)
    _update(sim, spec, image="app:3")
    assert _switches(sim, "preview")[-1] == sim.rs(3).pod_template_hash
    assert sim.state.selectors["active"] == sim.rs(1).pod_template_hash
    assert sim.rs(2).scale_down_deadline is not None and sim.phase == "Paused"
    sim.run_timers()
    assert sim.replicas_by_revision() == {1: 3, 2: 0, 3: 3}


@pytest.mark.parametrize(("delay", "expected"), [(None, 30), (8, 8)])
def test_abort_switches_back_and_scales_preview_down_later(
    delay: int | None, expected: int
) -> None:
    """TestBlueGreenAbort, TestBlueGreenScaleDownOnAbort."""
    extra = {} if delay is None else {"abortScaleDownDelaySeconds": delay}
    sim, spec = _sim(autoPromotionEnabled=False, **extra)
    _update(sim, spec)
    sim.command(inp.Abort)
    sim.platform()
    aborted_at = sim.now
    assert sim.phase == "Degraded" and sim.state.selectors["active"] == sim.state.stable_rs
    assert sim.rs(2).desired == 3
    assert next_wakeup(sim.state) == aborted_at + timedelta(seconds=expected)
    sim.run_timers()
    assert sim.replicas_by_revision() == {1: 3, 2: 0}


def test_abort_scale_down_delay_zero_keeps_the_preview() -> None:
    sim, spec = _sim(autoPromotionEnabled=False, abortScaleDownDelaySeconds=0)
    _update(sim, spec)
    sim.command(inp.Abort)
    sim.run_timers()
    assert sim.replicas_by_revision() == {1: 3, 2: 3} and next_wakeup(sim.state) is None


def test_retry_after_abort_pauses_again() -> None:
    sim, spec = _sim(autoPromotionEnabled=False)
    _update(sim, spec)
    sim.command(inp.Abort)
    sim.platform()
    sim.command(inp.Retry)
    sim.platform()
    assert sim.phase == "Paused" and sim.rs(2).desired == 3


def test_progress_deadline_abort() -> None:
    """TestBlueGreenProgressDeadlineAbort."""
    sim, spec = _sim(autoPromotionEnabled=False)
    spec_extra: dict[str, Any] = {"progressDeadlineSeconds": 30, "progressDeadlineAbort": True}
    sim.ready = False
    sim.deploy(rollout_manifest(replicas=3, image="app:2", blue_green=spec, **spec_extra))
    sim.run_timers()
    assert sim.state.abort and sim.phase == "Degraded"
    assert sim.state.selectors["active"] == sim.state.stable_rs


def test_scaling_event_resizes_both_stacks() -> None:
    """TestBlueGreenRolloutScaleUpdateActiveRS / StableRS."""
    sim, spec = _sim(autoPromotionEnabled=False)
    _update(sim, spec)
    sim.deploy(rollout_manifest(replicas=5, image="app:2", blue_green=spec))
    assert sim.replicas_by_revision() == {1: 5, 2: 5} and sim.phase == "Paused"
