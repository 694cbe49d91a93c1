"""Building blocks for driving the analysis engine through whole rollouts.

The Sim plays the cluster and the analysis worker: it resolves each requested run from the
templates given here and answers each MeasurementDue with the next scripted value. It is the
CheckedSim of the core tests, so every decision is also held to the core's invariants.
"""

from __future__ import annotations

from typing import Any

import events.models as ev
from events.phases import AnalysisRunKind
from rollouts.run_state import AnalysisRunState, MetricRunState
from tests.support.sim import AnalysisWorker, Sim, analysis, istio_canary, rollout_manifest
from tests.unit.core.invariants import CheckedSim

STEP, BACKGROUND = AnalysisRunKind.STEP, AnalysisRunKind.BACKGROUND
PRE, POST = AnalysisRunKind.PRE_PROMOTION, AnalysisRunKind.POST_PROMOTION
PROMETHEUS = {"prometheus": {"address": "http://prometheus:9090", "query": "rate(errors[5m])"}}
STEPS = [{"setWeight": 20}, {"analysis": analysis("check")}, {"setWeight": 60}, {"pause": {}}]
GOOD, BAD = [0.01], [0.08]


def metric(name: str = "error-rate", **fields: Any) -> dict[str, Any]:
    """A Prometheus metric that passes below 5 % errors unless told otherwise."""
    return {"name": name, "successCondition": "result[0] < 0.05", "provider": PROMETHEUS, **fields}


def worker(templates: dict[str, Any], **script: list[Any]) -> AnalysisWorker:
    """`templates` maps a name to a metric list or to a whole template spec."""
    specs = {k: v if isinstance(v, dict) else {"metrics": v} for k, v in templates.items()}
    scripts = {k.replace("_", "-"): v for k, v in script.items()}
    return AnalysisWorker(templates=specs, script=scripts, default=GOOD)


def canary_sim(
    templates: dict[str, Any],
    script: dict[str, list[Any]] | None = None,
    *,
    steps: list[dict[str, Any]] | None = None,
    **canary: Any,
) -> Sim:
    """Stable at revision 1, revision 2 updating with the given steps and analysis."""
    sim = CheckedSim(worker=worker(templates, **(script or {})))
    strategy = istio_canary(STEPS if steps is None else steps, **canary)
    sim.deploy(rollout_manifest(replicas=2, canary=strategy))
    sim.deploy(rollout_manifest(replicas=2, image="app:2", canary=strategy))
    return sim


def bluegreen_sim(templates: dict[str, Any], script: dict[str, list[Any]], **bg: Any) -> Sim:
    spec = {"activeService": "active", "previewService": "preview", **bg}
    sim = CheckedSim(worker=worker(templates, **script))
    sim.deploy(rollout_manifest(replicas=2, blue_green=spec))
    sim.deploy(rollout_manifest(replicas=2, image="app:2", blue_green=spec))
    return sim


def run_of(sim: Sim, kind: AnalysisRunKind) -> AnalysisRunState:
    """The latest run of `kind`, current or not."""
    names = [e.run_name for e in sim.of(ev.AnalysisRunRequested) if e.kind is kind]
    assert names, f"no {kind} run was requested"
    return sim.state.analysis_runs[names[-1]]


def metric_of(sim: Sim, kind: AnalysisRunKind, name: str = "error-rate") -> MetricRunState:
    found = run_of(sim, kind).metric(name)
    assert found is not None
    return found


def recorded(sim: Sim, name: str = "error-rate") -> list[ev.MeasurementRecorded]:
    return [e for e in sim.of(ev.MeasurementRecorded) if e.metric == name]


def due_offsets(sim: Sim, name: str = "error-rate") -> list[float]:
    """Seconds from the run's start to each MeasurementDue of metric `name`."""
    started = {e.run_name: e.at for e in sim.of(ev.AnalysisRunStarted)}
    return [
        (e.at - started[e.run_name]).total_seconds()
        for e in sim.of(ev.MeasurementDue)
        if e.metric == name
    ]
