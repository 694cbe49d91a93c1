"""Stuck pods (issue 12): the new ReplicaSet's waiting reasons are recorded when they change and
named by the progress deadline's message; progressDeadlineAbort aborts with them."""

from __future__ import annotations

from typing import Any

import events.models as ev
from events.base import Event
from events.pod_failures import PodFailure, PodFailuresObserved
from tests.support.sim import Sim, rollout_manifest

PULL = PodFailure(
    pod="demo-x-1",
    container="demo",
    reason="ImagePullBackOff",
    message='Back-off pulling image "app:nope"',
)
CRASH = PodFailure(pod="demo-x-2", container="demo", reason="CrashLoopBackOff")
DEADLINE: dict[str, Any] = {"progressDeadlineSeconds": 60}


def _stuck(**spec: Any) -> Sim:
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=2, **spec))
    sim.ready = False
    sim.deploy(rollout_manifest(replicas=2, image="app:nope", **spec))
    return sim


def _report(sim: Sim, *failures: PodFailure, pod_hash: str | None = None) -> list[Event]:
    target = pod_hash or sim.state.current_pod_hash
    assert target is not None
    return sim.send(
        PodFailuresObserved(
            input_id=sim.next_id(), pod_template_hash=target, failures=list(failures)
        )
    )


def test_the_deadline_message_names_the_stuck_pods() -> None:
    sim = _stuck(**DEADLINE)
    (recorded,) = _report(sim, PULL, CRASH)
    assert isinstance(recorded, ev.PodFailuresRecorded) and recorded.failures == [PULL, CRASH]
    assert sim.phase == "Progressing"  # a stuck pod alone is not Degraded: the deadline is
    sim.run_timers()
    assert sim.phase == "Degraded" and not sim.state.abort
    rs = f"demo-{sim.state.current_pod_hash}"
    assert sim.state.message == (
        f'ProgressDeadlineExceeded: ReplicaSet "{rs}" has timed out progressing. '
        'pod demo-x-1: ImagePullBackOff: Back-off pulling image "app:nope"; '
        "pod demo-x-2: CrashLoopBackOff"
    )


def test_progress_deadline_abort_aborts_with_the_reason() -> None:
    sim = _stuck(progressDeadlineAbort=True, **DEADLINE)
    _report(sim, PULL)
    sim.run_timers()
    assert sim.state.abort and sim.phase == "Degraded"
    assert sim.of(ev.RolloutAborted)[-1].message.endswith(
        "has timed out progressing. pod demo-x-1: ImagePullBackOff: "
        'Back-off pulling image "app:nope"'
    )


def test_repeats_and_other_replica_sets_decide_nothing_and_recovery_clears() -> None:
    sim = _stuck(**DEADLINE)
    stable = sim.state.stable_rs
    assert _report(sim, PULL, pod_hash=stable) == []
    assert len(_report(sim, PULL)) == 1 and _report(sim, PULL) == []
    (cleared,) = _report(sim)
    assert isinstance(cleared, ev.PodFailuresRecorded) and cleared.failures == []
    sim.run_timers()
    assert sim.state.message.endswith("has timed out progressing.")


def test_many_failures_are_counted_not_listed() -> None:
    sim = _stuck(**DEADLINE)
    pods = [PULL.model_copy(update={"pod": f"demo-x-{n}"}) for n in range(5)]
    _report(sim, *pods)
    sim.run_timers()
    assert sim.state.message.endswith(
        "pod demo-x-2: ImagePullBackOff: " + 'Back-off pulling image "app:nope" (and 2 more)'
    )
