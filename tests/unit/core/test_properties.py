"""Random histories of commands and observations, checked after every decision.

Each example picks a strategy (canary with or without a router, with analysis steps, with or
without dynamicStableScale, or blue-green), then runs a random mix of user commands (refused
ones are skipped) and platform reports: ReplicaSets catching up or only partly ready, router
reports, analysis outcomes, time passing. In half the examples the analysis worker is played
too: runs are resolved and measured, each metric's values drawn at random (passing, failing,
in between, no data, provider errors, or held in flight until a random release). After every
decision the invariants of `invariants.py` must hold; a final independent fold of the whole
history must match too.
"""

from __future__ import annotations

import contextlib
import copy
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import events.inputs as inp
from events.base import Command
from events.phases import AnalysisPhase, AnalysisRunKind
from rollouts.errors import DomainError
from rollouts.evolve import fold
from rollouts.state import initial_state
from rollouts.timers import next_wakeup
from tests.support.sim import (
    HOLD,
    AnalysisWorker,
    ProviderError,
    analysis,
    istio_canary,
    rollout_manifest,
    taken_for,
)
from tests.unit.core.invariants import CheckedSim, check_abort_settled

ROUTED_STEPS = [
    {"setWeight": 20},
    {"pause": {"duration": 30}},
    {"analysis": analysis("step")},
    {"setWeight": 60},
    {"pause": {}},
]
BASIC_STEPS = [{"setWeight": 30}, {"analysis": analysis("step")}, {"pause": {}}, {"setWeight": 70}]
BG_BASE = {"activeService": "active", "previewService": "preview"}
HEADER = {"name": "beta", "match": [{"headerName": "x-beta", "headerValue": {"exact": "1"}}]}
EXTRA_STEPS = [
    {"setCanaryScale": {"replicas": 1}},
    {"setWeight": 40},
    {"setHeaderRoute": HEADER},
    {"pause": {}},
    {"setCanaryScale": {"matchTrafficWeight": True}},
    {"analysis": analysis("step")},
]

STRATEGIES: dict[str, dict[str, Any]] = {
    "routed": {
        "canary": istio_canary(ROUTED_STEPS, analysis={**analysis("bg"), "startingStep": 1})
    },
    "routed-dynamic": {"canary": istio_canary(ROUTED_STEPS, dynamicStableScale=True)},
    "routed-kept-canary": {"canary": istio_canary(ROUTED_STEPS, abortScaleDownDelaySeconds=0)},
    "routed-extras": {
        "canary": istio_canary(
            EXTRA_STEPS,
            trafficRouting={"managedRoutes": [{"name": "beta"}]},
            scaleDownDelaySeconds=10,
            abortScaleDownDelaySeconds=5,
            minPodsPerReplicaSet=2,
        ),
        "rollbackWindow": {"revisions": 2},
        "progressDeadlineSeconds": 60,
    },
    "nginx-dynamic": {
        "canary": {
            "canaryService": "canary",
            "stableService": "stable",
            "dynamicStableScale": True,
            # maxTrafficWeight stays 100: TrafficWeightObserved refuses weights above 100.
            "trafficRouting": {"nginx": {"stableIngress": "ingress"}},
            "steps": [
                {"setWeight": 25},
                {"pause": {}},
                {"setWeight": 75},
                {"pause": {"duration": 5}},
            ],
        },
        "progressDeadlineSeconds": 60,
        "progressDeadlineAbort": True,
    },
    "basic": {"canary": {"steps": BASIC_STEPS, "analysis": analysis("bg")}},
    "basic-no-steps": {"canary": {"maxSurge": 1, "maxUnavailable": 0}},
    "blue-green": {
        "blue_green": {
            **BG_BASE,
            "prePromotionAnalysis": analysis("pre"),
            "postPromotionAnalysis": analysis("post"),
            "autoPromotionEnabled": False,
            "previewReplicaCount": 1,
        }
    },
    "blue-green-auto": {"blue_green": {**BG_BASE, "autoPromotionSeconds": 30}},
}


PROMETHEUS = {"prometheus": {"address": "http://prometheus", "query": "q"}}
GUARDED = {
    "successCondition": "result[0] < 0.05",
    "failureCondition": "result[0] > 0.1",
    "provider": PROMETHEUS,
}
TEMPLATES: dict[str, dict[str, Any]] = {
    "step": {"metrics": [{"name": "step-rate", "count": 2, "interval": "10s", **GUARDED}]},
    "bg": {
        "metrics": [
            {"name": "bg-rate", "interval": "30s", "failureLimit": 1, **GUARDED},
            {"name": "bg-smoke", "interval": "20s", "provider": {"job": {"spec": {}}}},
            {"name": "bg-dry", "interval": "15s", **GUARDED},
        ],
        "dryRun": [{"metricName": "bg-dry"}],
    },
    "pre": {"metrics": [{"name": "pre-rate", **GUARDED}]},
    "post": {"metrics": [{"name": "post-rate", "consecutiveErrorLimit": 1, **GUARDED}]},
}
OUTCOMES = st.sampled_from(
    [[0.01], [0.01], [0.08], [0.2], [], None, ProviderError("timeout"), "Complete", "Failed", HOLD]
)
SCRIPTS = st.fixed_dictionaries(
    {
        name: st.lists(OUTCOMES, min_size=1, max_size=5)
        for name in ("step-rate", "bg-rate", "bg-smoke", "bg-dry", "pre-rate", "post-rate")
    }
)

# Actions: each is a tuple (name, parameter) interpreted by _run.
COMMANDS = st.sampled_from(
    ["promote", "promote-full", "abort", "retry", "pause", "resume", "undo", "undo-1"]
)
ACTIONS = st.one_of(
    st.tuples(st.just("command"), COMMANDS),
    st.tuples(
        st.just("apply"),
        st.tuples(st.integers(1, 3), st.sampled_from([3, 4]), st.booleans()),
    ),
    st.tuples(st.just("catch-up"), st.none()),
    st.tuples(st.just("partial"), st.tuples(st.integers(0, 3), st.integers(0, 4))),
    st.tuples(st.just("weight"), st.sampled_from([None, True, False])),
    st.tuples(
        st.just("analysis"),
        st.tuples(
            st.sampled_from(list(AnalysisRunKind)),
            st.sampled_from(
                [
                    AnalysisPhase.RUNNING,
                    AnalysisPhase.SUCCESSFUL,
                    AnalysisPhase.SUCCESSFUL,
                    AnalysisPhase.FAILED,
                    AnalysisPhase.ERROR,
                    AnalysisPhase.INCONCLUSIVE,
                ]
            ),
        ),
    ),
    st.tuples(st.just("advance"), st.sampled_from([1, 10, 31, 61, 700])),
    st.tuples(st.just("timers"), st.none()),
    st.tuples(st.just("flip"), st.sampled_from(["ready", "route"])),
    st.tuples(st.just("release"), OUTCOMES.filter(lambda outcome: outcome != HOLD)),
)

_COMMAND_INPUTS: dict[str, tuple[type[Command], dict[str, Any]]] = {
    "promote": (inp.Promote, {}),
    "promote-full": (inp.Promote, {"full": True}),
    "abort": (inp.Abort, {}),
    "retry": (inp.Retry, {}),
    "pause": (inp.Pause, {}),
    "resume": (inp.Resume, {}),
    "undo": (inp.Undo, {}),
    "undo-1": (inp.Undo, {"to_revision": 1}),
}


@dataclass
class Run:
    sim: CheckedSim
    strategy: dict[str, Any]

    def manifest(self, image: int, replicas: int, fewer_steps: bool = False) -> dict[str, Any]:
        """The chosen strategy; `fewer_steps` drops the last canary step (a steps change)."""
        strategy = copy.deepcopy(self.strategy)
        manifest = rollout_manifest(replicas=replicas, image=f"app:{image}", **strategy)
        canary = manifest["spec"]["strategy"].get("canary")
        if fewer_steps and canary and canary.get("steps"):
            canary["steps"] = canary["steps"][:-1]
        return manifest

    def command(self, name: str) -> None:
        cls, fields = _COMMAND_INPUTS[name]
        with contextlib.suppress(DomainError):
            self.sim.command(cls, **fields)

    def partial(self, index: int, available: int) -> None:
        sets = sorted(self.sim.state.replica_sets.values(), key=lambda rs: rs.created_order)
        if sets:
            rs = sets[index % len(sets)]
            self.sim.observe_rs(rs.pod_template_hash, rs.desired, min(available, rs.desired))

    def weight(self, verified: bool | None) -> None:
        requested = self.sim.state.traffic.requested_canary
        if requested is not None:
            self.sim.observe_weight(requested, verified)

    def analysis(self, kind: AnalysisRunKind, phase: AnalysisPhase) -> None:
        if self.sim.run(kind) is not None:
            self.sim.send(
                inp.AnalysisRunObserved(
                    input_id=self.sim.next_id(),
                    run_name=self.sim.state.current_runs[kind],
                    phase=phase,
                )
            )

    def release(self, outcome: Any) -> None:
        """The worker answers the oldest measurement it held back."""
        worker = self.sim.worker
        if worker is not None and worker.held:
            self.sim.send(taken_for(worker.held.pop(0), outcome, self.sim.now))

    def timers(self) -> None:
        for _ in range(20):
            due = next_wakeup(self.sim.state)
            if due is None:
                return
            self.sim.now = max(self.sim.now, due)
            self.sim.send(inp.Tick(input_id=self.sim.next_id()))
            self.sim.platform()

    def act(self, name: str, parameter: Any) -> None:
        if name == "command":
            self.command(parameter)
        elif name == "apply":
            with contextlib.suppress(DomainError):
                self.sim.apply(self.manifest(*parameter))
        elif name == "catch-up":
            self.sim.platform()
            check_abort_settled(self.sim)
        elif name == "partial":
            self.partial(*parameter)
        elif name == "weight":
            self.weight(parameter)
        elif name == "analysis":
            self.analysis(*parameter)
        elif name == "flip":
            setattr(self.sim, parameter, not getattr(self.sim, parameter))
        elif name == "release":
            self.release(parameter)
        elif name == "advance":
            self.sim.now += timedelta(seconds=parameter)
            self.sim.send(inp.Tick(input_id=self.sim.next_id()))
        else:
            self.timers()


@settings(
    max_examples=1500,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    strategy=st.sampled_from(sorted(STRATEGIES)),
    ready=st.booleans(),
    actions=st.lists(ACTIONS, min_size=5, max_size=40),
    scripts=st.none() | SCRIPTS,
)
def test_random_histories_keep_the_invariants(
    strategy: str,
    ready: bool,
    actions: list[tuple[str, Any]],
    scripts: dict[str, list[Any]] | None,
) -> None:
    worker = None if scripts is None else AnalysisWorker(templates=TEMPLATES, script=scripts)
    sim = CheckedSim(worker=worker)
    run = Run(sim, STRATEGIES[strategy])
    sim.deploy(run.manifest(1, 3))
    sim.deploy(run.manifest(2, 3))
    sim.ready = ready
    for name, parameter in actions:
        run.act(name, parameter)
    assert fold(initial_state(sim.namespace, sim.name), sim.events) == sim.state
    sim.ready = sim.route = True
    run.act("catch-up", None)
