"""Ports: the capabilities the controller needs from the world, as small Protocols.

Adapters implement them (Kubernetes, the local platform, Istio, Prometheus...). Each port has
an in-memory twin used by the contract tests. Adapters observe and translate errors into
`PortError`; the domain judges. Nothing here performs IO: these are only shapes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol, runtime_checkable

from events.restart import RestartPod
from rollouts.spec.steps import SetHeaderRoute, SetMirrorRoute
from rollouts.spec.traffic import TrafficRouting


class PortError(Exception):
    """An adapter could not do what was asked; the message says what and why, for a person."""


@dataclass(frozen=True, slots=True)
class RolloutRef:
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True)
class ReplicaSetSpec:
    """What the platform needs to create or scale one ReplicaSet of a rollout."""

    rollout: RolloutRef
    pod_template_hash: str
    revision: int
    replicas: int
    template: Mapping[str, Any]
    min_ready_seconds: int = 0
    pod_labels: Mapping[str, str] = field(default_factory=dict)
    """Ephemeral labels (canaryMetadata/stableMetadata) for the pods of this ReplicaSet."""

    @property
    def name(self) -> str:
        return f"{self.rollout.name}-{self.pod_template_hash}"


@dataclass(frozen=True, slots=True)
class ReplicaSetStatus:
    rollout: RolloutRef
    pod_template_hash: str
    replicas: int
    ready_replicas: int
    available_replicas: int
    observed_at: datetime


@runtime_checkable
class ReplicaSetPlatform(Protocol):
    """Creates, scales and deletes ReplicaSets; points Services at them; reports their status."""

    async def scale(self, spec: ReplicaSetSpec) -> None:
        """Create the ReplicaSet if missing, then set its replica count (idempotent)."""

    async def delete(self, rollout: RolloutRef, pod_template_hash: str) -> None: ...

    async def switch_service(
        self, rollout: RolloutRef, service: str, pod_template_hash: str
    ) -> None: ...

    def statuses(self) -> AsyncIterator[ReplicaSetStatus]:
        """Every change of any ReplicaSet's counts, as it happens."""
        ...


@dataclass(frozen=True, slots=True)
class WeightRequest:
    rollout: RolloutRef
    canary_weight: int
    stable_weight: int
    canary_hash: str
    stable_hash: str
    canary_service: str = ""
    stable_service: str = ""
    routing: TrafficRouting | None = None
    """The rollout's `trafficRouting` block (None: replica counts make the split)."""


@dataclass(frozen=True, slots=True)
class ManagedRoute:
    rollout: RolloutRef
    name: str
    kind: Literal["header", "mirror"]
    route: SetHeaderRoute | SetMirrorRoute | None
    """The step's route; None, or a route without `match`, removes it."""
    routing: TrafficRouting | None = None
    canary_service: str = ""
    stable_service: str = ""


@runtime_checkable
class TrafficRouter(Protocol):
    """Splits traffic between the stable and the canary pods."""

    async def set_weight(self, request: WeightRequest) -> None: ...

    async def verify_weight(self, request: WeightRequest) -> bool | None:
        """True/False when the router can check what it holds; None when it cannot tell."""
        ...

    async def read_weight(self, request: WeightRequest) -> int | None:
        """The canary weight the router holds for `request`'s rollout and routing; None when it
        cannot read one (a router that cannot tell, or nothing held). Optional in substance:
        a router without the capability answers None, and callers treat None as unknown."""
        ...

    async def set_route(self, route: ManagedRoute) -> None: ...

    async def remove_managed_routes(
        self, rollout: RolloutRef, routing: TrafficRouting | None
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class Measurement:
    """One raw observation of a metric: a value or an error, never a verdict."""

    value: Any = None
    error: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class MetricProvider(Protocol):
    async def measure(self, provider: Mapping[str, Any], now: datetime) -> Measurement:
        """Take one measurement with the metric's `provider` block (arguments resolved)."""
        ...


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class WorkloadScale:
    """Set the replicas of the object a Rollout's `workloadRef` names (scaleDown)."""

    rollout: RolloutRef
    kind: str
    name: str
    replicas: int

    def __str__(self) -> str:
        return f"{self.kind} {self.rollout.namespace}/{self.name} to {self.replicas}"


@runtime_checkable
class WorkloadScaler(Protocol):
    """Scales the workload a Rollout migrates from (a Deployment), in the Rollout's namespace."""

    async def scale_workload(self, request: WorkloadScale) -> bool:
        """Set the replicas (idempotent); True if the count changed, False if it already held.
        A missing object raises PortError."""
        ...


EvictionOutcome = Literal["evicted", "refused", "gone"]


@dataclass(frozen=True, slots=True)
class Eviction:
    """What became of one eviction: done, refused (a PodDisruptionBudget: HTTP 429), or the pod
    was already gone. `message` says why when refused."""

    outcome: EvictionOutcome
    message: str = ""


@runtime_checkable
class PodRestarter(Protocol):
    """Lists a rollout's pods and evicts them, for a restart (`spec.restartAt`)."""

    async def list_pods(
        self, rollout: RolloutRef, pod_template_hashes: Sequence[str], min_ready_seconds: int
    ) -> list[RestartPod]:
        """The pods of those ReplicaSets; `available`: ready for `min_ready_seconds`."""
        ...

    async def evict_pod(self, rollout: RolloutRef, pod: str) -> Eviction:
        """Evict one pod through the platform's disruption rules; the ReplicaSet replaces it."""
        ...
