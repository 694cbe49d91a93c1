"""A pod-level platform for the restart tests: it plays the scaler worker's restart part.

The shared `Sim` knows ReplicaSet counts only; a restart needs pods with creation times. Here
every ReplicaSet of the rollout has pods that match its desired count; an evicted pod is gone
at once and its ReplicaSet creates a replacement, available after `ready_after` seconds of the
simulated clock. `refuse` makes the next evictions fail as a PodDisruptionBudget would (429).
The world checks the one invariant a restart must keep: never fewer available pods than
`floor` (set by the test) at the moment of an eviction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import events.models as ev
from events.restart import PodEvictionsObserved, RestartPod, RestartPodsObserved
from tests.support.sim import Sim


@dataclass
class FakePod:
    name: str
    pod_template_hash: str
    created_at: datetime
    ready_at: datetime


@dataclass
class PodWorld:
    sim: Sim
    ready_after: float = 5.0
    refuse: int = 0
    floor: int = 0
    pods: dict[str, FakePod] = field(default_factory=dict)
    evicted: list[str] = field(default_factory=list)
    batches: list[list[str]] = field(default_factory=list)
    _seen: int = 0
    _made: int = 0

    def available(self, pod: FakePod) -> bool:
        return pod.ready_at <= self.sim.now

    def of(self, pod_hash: str) -> list[FakePod]:
        return [p for p in self.pods.values() if p.pod_template_hash == pod_hash]

    def sync(self) -> None:
        """ReplicaSets create and delete pods to match their desired counts."""
        for rs in self.sim.state.replica_sets.values():
            mine = sorted(self.of(rs.pod_template_hash), key=lambda p: p.created_at)
            for pod in mine[rs.desired :]:
                del self.pods[pod.name]
            for _ in range(rs.desired - len(mine)):
                self._made += 1
                name = f"{rs.pod_template_hash}-{self._made}"
                ready = self.sim.now + timedelta(seconds=self.ready_after)
                self.pods[name] = FakePod(name, rs.pod_template_hash, self.sim.now, ready)

    def report(self) -> None:
        """Each ReplicaSet's counts, as the observer would report them."""
        for rs in list(self.sim.state.replica_sets.values()):
            mine = self.of(rs.pod_template_hash)
            available = sum(self.available(p) for p in mine)
            if (rs.replicas, rs.available) != (len(mine), available):
                self.sim.observe_rs(rs.pod_template_hash, len(mine), available)

    def step(self) -> bool:
        """Answer the oldest restart intent not answered yet; True if there was one."""
        while self._seen < len(self.sim.events):
            event = self.sim.events[self._seen]
            self._seen += 1
            if isinstance(event, ev.RestartPodsCheckRequested):
                self.sim.send(self.observation(event))
                return True
            if isinstance(event, ev.PodEvictionRequested):
                self.sim.send(self.evict(event))
                return True
        return False

    def observation(self, event: ev.RestartPodsCheckRequested) -> RestartPodsObserved:
        pods = [
            RestartPod(
                name=p.name,
                pod_template_hash=p.pod_template_hash,
                created_at=p.created_at,
                available=self.available(p),
            )
            for h in event.replica_sets
            for p in self.of(h)
        ]
        return RestartPodsObserved(
            input_id=f"{event.cause}:check:{event.round}",
            restart_at=event.restart_at,
            round=event.round,
            pods=pods,
        )

    def evict(self, event: ev.PodEvictionRequested) -> PodEvictionsObserved:
        evicted, refused, gone = [], [], []
        for name in event.pods:
            if name not in self.pods:
                gone.append(name)
            elif self.refuse > 0:
                self.refuse -= 1
                refused.append(name)
            else:
                live = sum(self.available(p) for p in self.pods.values())
                assert live - 1 >= self.floor, f"evicting {name} leaves {live - 1} < {self.floor}"
                del self.pods[name]
                evicted.append(name)
        self.evicted += evicted
        self.batches.append(list(event.pods))
        self.sync()
        return PodEvictionsObserved(
            input_id=f"{event.cause}:evict:{event.round}",
            restart_at=event.restart_at,
            round=event.round,
            evicted=evicted,
            refused=refused,
            gone=gone,
            message="Cannot evict pod as it would violate the pod's disruption budget."
            if refused
            else "",
        )

    def settle(self, limit: int = 500) -> None:
        """Intents answered and counts reported until nothing is left to do now."""
        for _ in range(limit):
            self.sync()
            self.sim.platform()
            self.sync()
            before = len(self.sim.events)
            self.report()
            if not self.step() and len(self.sim.events) == before:
                return
        raise AssertionError("restart did not settle")

    def run(self, seconds: float = 600, tick: float = 1.0) -> None:
        """Let time pass in `tick` steps (pods become ready, the 30 s checks come due)."""
        for _ in range(int(seconds / tick)):
            self.settle()
            if self.sim.state.pending_restart is None:
                return
            self.sim.advance(tick)
        self.settle()

    def old_pods(self, restart_at: datetime) -> list[str]:
        return sorted(p.name for p in self.pods.values() if p.created_at < restart_at)
