"""A simulated platform for driving the pure core in tests.

It answers every intent the way a healthy cluster would (ReplicaSets reach their size and become
available, the router takes the weight) unless told to hold back, and it advances a fake clock.
Everything goes through `decide`, so the tests exercise exactly what the controller runs.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import events.inputs as inp
import events.models as ev
from events.base import Event, Input
from events.phases import AnalysisPhase, AnalysisRunKind
from rollouts.decide import decide
from rollouts.evolve import fold
from rollouts.phase import available_replicas, total_replicas, updated_replicas
from rollouts.run_state import AnalysisRunState
from rollouts.state import ReplicaSetState, RolloutState, initial_state
from rollouts.timers import next_wakeup

T0 = datetime(2026, 1, 1, tzinfo=UTC)
E = TypeVar("E", bound=Event)
HOLD = "<hold>"
"""A scripted outcome that leaves the measurement in flight (a slow provider)."""


@dataclass(frozen=True)
class ProviderError:
    """A scripted outcome: the provider failed with this message."""

    message: str


@dataclass
class AnalysisWorker:
    """Plays the analysis worker: resolves runs from `templates` (name -> AnalysisTemplate
    spec, metrics as they are) and answers each MeasurementDue with the next outcome scripted
    for its metric (the last one repeats). Outcomes are values, ProviderError or HOLD."""

    templates: dict[str, dict[str, Any]]
    script: dict[str, list[Any]] = field(default_factory=dict)
    default: Any = 1.0
    held: list[ev.MeasurementDue] = field(default_factory=list)
    taken: dict[str, int] = field(default_factory=dict)

    def resolve(self, request: ev.AnalysisRunRequested, input_id: str) -> inp.AnalysisRunResolved:
        analysis, metrics = request.analysis, []
        rules: list[dict[str, Any]] = list(analysis.get("dryRun", []))
        kept: list[dict[str, Any]] = list(analysis.get("measurementRetention", []))
        for ref in analysis.get("templates", []):
            template = self.templates.get(ref["templateName"])
            if template is None:
                error = f'analysistemplate.argoproj.io "{ref["templateName"]}" not found'
                return inp.AnalysisRunResolved(
                    input_id=input_id, run_name=request.run_name, error=error
                )
            metrics += template["metrics"]
            rules += template.get("dryRun", [])
            kept += template.get("measurementRetention", [])
        names = [m["name"] for m in metrics]
        return inp.AnalysisRunResolved(
            input_id=input_id,
            run_name=request.run_name,
            metrics=metrics,
            dry_run_metrics=[n for n in names if any(re.search(r["metricName"], n) for r in rules)],
            measurement_retention={
                n: r["limit"] for r in kept for n in names if re.search(r["metricName"], n)
            },
        )

    def measure(self, due: ev.MeasurementDue, now: datetime) -> inp.MeasurementTaken | None:
        outcomes = self.script.get(due.metric) or [self.default]
        n = self.taken.get(due.metric, 0)
        outcome = outcomes[min(n, len(outcomes) - 1)]
        self.taken[due.metric] = n + 1
        if outcome == HOLD:
            self.held.append(due)
            return None
        return taken_for(due, outcome, now)


def taken_for(due: ev.MeasurementDue, outcome: Any, now: datetime) -> inp.MeasurementTaken:
    error = outcome.message if isinstance(outcome, ProviderError) else None
    return inp.MeasurementTaken(
        input_id=f"{due.cause}:{due.run_name}:{due.metric}:{due.index}:taken",
        run_name=due.run_name,
        metric=due.metric,
        index=due.index,
        value=None if error is not None else outcome,
        error=error,
        started_at=now,
        finished_at=now,
    )


@dataclass
class Sim:
    name: str = "demo"
    namespace: str = "default"
    now: datetime = T0
    state: RolloutState = field(init=False)
    events: list[Event] = field(default_factory=list)
    ready: bool = True
    route: bool = True
    worker: AnalysisWorker | None = None
    _ids: int = 0
    _answered: int = 0

    def __post_init__(self) -> None:
        self.state = initial_state(self.namespace, self.name)

    def next_id(self) -> str:
        self._ids += 1
        return f"in-{self._ids}"

    def send(self, input: Input) -> list[Event]:
        decided = decide(self.state, input, self.now)
        self.state = fold(self.state, decided)
        self.events.extend(decided)
        return decided

    def command(self, cls: type[Input], **fields: Any) -> list[Event]:
        return self.send(cls(input_id=self.next_id(), **fields))

    def apply(self, manifest: dict[str, Any]) -> list[Event]:
        return self.command(inp.ApplySpec, manifest=copy.deepcopy(manifest))

    def deploy(self, manifest: dict[str, Any]) -> None:
        """Apply and let the platform settle (what `kubectl apply` + waiting does)."""
        self.apply(manifest)
        self.platform()

    def observe_rs(self, pod_hash: str, replicas: int, available: int | None = None) -> None:
        available = replicas if available is None else available
        self.send(
            inp.ReplicaSetObserved(
                input_id=self.next_id(),
                pod_template_hash=pod_hash,
                replicas=replicas,
                ready_replicas=available,
                available_replicas=available,
            )
        )

    def observe_weight(self, weight: int, verified: bool | None = None) -> None:
        observed = inp.TrafficWeightObserved(
            input_id=self.next_id(), canary_weight=weight, verified=verified
        )
        self.send(observed)

    def observe_run(self, kind: AnalysisRunKind, phase: AnalysisPhase, message: str = "") -> None:
        """Report the current run of `kind` (it must exist) as being in `phase`."""
        run = self.run(kind)
        assert run is not None, f"no current {kind} run"
        self.send(
            inp.AnalysisRunObserved(
                input_id=self.next_id(), run_name=run.name, phase=phase, message=message
            )
        )
        self.platform()

    def platform(self, rounds: int = 100) -> None:
        """Let the simulated cluster catch up with every intent."""
        for _ in range(rounds):
            if not self._platform_step():
                return
        raise AssertionError("platform did not settle")

    def _platform_step(self) -> bool:
        if self.ready:
            for rs in self.state.replica_sets.values():
                if (rs.replicas, rs.available) != (rs.desired, rs.desired):
                    self.observe_rs(rs.pod_template_hash, rs.desired)
                    return True
        traffic = self.state.traffic
        requested = traffic.requested_canary
        if self.route and requested is not None and not traffic.confirmed:
            self.observe_weight(requested)
            return True
        return self._analysis_step()

    def _analysis_step(self) -> bool:
        """The worker answers the oldest intent it has not answered yet."""
        while self.worker is not None and self._answered < len(self.events):
            intent = self.events[self._answered]
            self._answered += 1
            if isinstance(intent, ev.AnalysisRunRequested):
                self.send(self.worker.resolve(intent, self.next_id()))
                return True
            if isinstance(intent, ev.MeasurementDue):
                taken = self.worker.measure(intent, self.now)
                if taken is not None:
                    self.send(taken)
                    return True
        return False

    def release(self, outcome: Any) -> None:
        """Answer the oldest held measurement with `outcome`."""
        assert self.worker is not None and self.worker.held, "no measurement is held"
        self.send(taken_for(self.worker.held.pop(0), outcome, self.now))
        self.platform()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.send(inp.Tick(input_id=self.next_id()))

    def run_timers(self, limit: float = 3600) -> None:
        """Jump to each due wake-up in turn (like the timer worker), up to `limit` seconds."""
        end = self.now + timedelta(seconds=limit)
        while (due := next_wakeup(self.state)) is not None and due <= end:
            self.now = max(self.now, due)
            self.send(inp.Tick(input_id=self.next_id()))
            self.platform()

    # Queries for assertions.

    @property
    def phase(self) -> str | None:
        return self.state.phase.value if self.state.phase else None

    def replicas_by_revision(self) -> dict[int, int]:
        return {rs.revision: rs.desired for rs in self.state.replica_sets.values()}

    def rs(self, revision: int) -> ReplicaSetState:
        found = [rs for rs in self.state.replica_sets.values() if rs.revision == revision]
        assert found, f"no ReplicaSet at revision {revision}"
        return found[0]

    def run(self, kind: AnalysisRunKind) -> AnalysisRunState | None:
        return self.state.run(kind)

    @property
    def weight(self) -> int | None:
        """The canary weight last requested of the router."""
        return self.state.traffic.requested_canary

    def mark(self) -> int:
        return len(self.events)

    def since(self, mark: int, kind: type[E] | None = None) -> list[Any]:
        new = self.events[mark:]
        return [e for e in new if kind is None or isinstance(e, kind)]

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)]

    def status_counts(self) -> tuple[int, int, int, int, int]:
        """Argo's (desired, current, updated, ready, available) columns of `kubectl get ro`."""
        state = self.state
        ready = available_replicas(state)
        return (
            state.spec_replicas,
            total_replicas(state),
            updated_replicas(state),
            ready,
            available_replicas(state),
        )


def rollout_manifest(
    name: str = "demo",
    *,
    image: str = "nginx:1.19",
    replicas: int | None = None,
    canary: dict[str, Any] | None = None,
    blue_green: dict[str, Any] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    strategy = {"blueGreen": blue_green} if blue_green is not None else {"canary": canary or {}}
    body: dict[str, Any] = {
        "selector": {"matchLabels": {"app": name}},
        "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {"containers": [{"name": name, "image": image}]},
        },
        "strategy": strategy,
        **spec,
    }
    if replicas is not None:
        body["replicas"] = replicas
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name},
        "spec": body,
    }


def istio_canary(steps: Sequence[Any], **canary: Any) -> dict[str, Any]:
    """A canary strategy with Istio host-level traffic routing."""
    routing: dict[str, Any] = {"istio": {"virtualService": {"name": "vs", "routes": ["primary"]}}}
    routing.update(canary.pop("trafficRouting", {}))
    return {
        "canaryService": "canary",
        "stableService": "stable",
        "trafficRouting": routing,
        "steps": list(steps),
        **canary,
    }


def analysis(*templates: str) -> dict[str, Any]:
    return {"templates": [{"templateName": t} for t in templates]}
