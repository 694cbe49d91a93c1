"""The scaler worker: ReplicaSet and Service intents, carried out on the platform.

Intents are level-triggered: the worker applies what the rollout wants NOW (the projection is
at least as new as the intent), not the number written in the intent. An intent is acknowledged
without an effect only when a later intent of the same rollout supersedes it (a deletion, a
newer selector switch); a projection that has not caught up within `wait_for`'s timeout raises,
and the intent is redelivered. A redelivered, late or
reordered intent (a handler that failed once and is retried after a newer one succeeded) then
does no harm: scaling to the current desired count twice is a no-op.

ReplicaSet counts come back through the platform's status stream (the observer), not from
here: what the platform reports is the truth, whatever we asked of it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import events.models as ev
from adapters.runtime.projection import StateProjection
from adapters.workers.restart import RESTART_EVENTS, RestartWorker
from events.store import StoredEvent
from rollouts.ports import ReplicaSetPlatform, ReplicaSetSpec, RolloutRef
from rollouts.state import ReplicaSetState, RolloutState

SCALER_EVENTS = (
    "ReplicaSetScaleRequested",
    "ReplicaSetDeletionRequested",
    "ServiceSelectorSwitched",
    "RolloutCompleted",
    *RESTART_EVENTS,
)


def pod_labels(state: RolloutState, rs: ReplicaSetState) -> dict[str, str]:
    """Ephemeral metadata (canaryMetadata/stableMetadata, previewMetadata/activeMetadata):
    labels a ReplicaSet's pods carry only while they hold that role."""
    spec = state.spec
    if spec is None:
        return {}
    strategy = spec.spec.strategy
    is_stable = rs.pod_template_hash == state.stable_rs
    if strategy.canary is not None:
        meta = strategy.canary.stable_metadata if is_stable else strategy.canary.canary_metadata
    elif strategy.blue_green is not None:
        bg = strategy.blue_green
        meta = bg.active_metadata if is_stable else bg.preview_metadata
    else:
        meta = None
    return dict(meta.labels) if meta else {}


def replica_set_spec(state: RolloutState, rs: ReplicaSetState, replicas: int) -> ReplicaSetSpec:
    return ReplicaSetSpec(
        rollout=RolloutRef(state.namespace, state.name),
        pod_template_hash=rs.pod_template_hash,
        revision=rs.revision,
        replicas=replicas,
        template=rs.template,
        min_ready_seconds=state.spec.spec.min_ready_seconds if state.spec else 0,
        pod_labels=pod_labels(state, rs),
    )


class ScalerWorker:
    def __init__(
        self,
        projection: StateProjection,
        platform: ReplicaSetPlatform,
        restarts: RestartWorker | None = None,
    ) -> None:
        """`restarts` carries out pod restarts (None: a platform that cannot list pods)."""
        self._projection = projection
        self._platform = platform
        self._restarts = restarts

    async def handle(self, stored: StoredEvent) -> None:
        if stored.envelope.type in RESTART_EVENTS:
            if self._restarts is not None:
                await self._restarts.handle(stored)
            return
        namespace, _, name = stored.envelope.subject.partition("/")
        await self._projection.wait_for((namespace, name), stored.stream_sequence)
        state = self._projection.state(namespace, name)
        event = stored.event
        if state is None:  # cannot be once wait_for returned; never acknowledge it unapplied
            raise RuntimeError(f"{namespace}/{name}: no state at sequence {stored.stream_sequence}")
        if isinstance(event, ev.ReplicaSetScaleRequested):
            rs = state.replica_sets.get(event.pod_template_hash)
            # None: deleted since, by a ReplicaSetDeletionRequested this worker handles next
            if rs is not None:
                await self._platform.scale(replica_set_spec(state, rs, rs.desired))
        elif isinstance(event, ev.ReplicaSetDeletionRequested):
            if event.pod_template_hash not in state.replica_sets:
                await self._platform.delete(RolloutRef(namespace, name), event.pod_template_hash)
        elif isinstance(event, ev.ServiceSelectorSwitched):
            if state.selectors.get(event.role) == event.pod_template_hash:
                ref = RolloutRef(namespace, name)
                await self._platform.switch_service(ref, event.service, event.pod_template_hash)
        elif isinstance(event, ev.RolloutCompleted):
            await self._relabel(state)

    async def _relabel(self, state: RolloutState) -> None:
        """Promotion swaps roles, so the ephemeral labels of live ReplicaSets change."""
        for rs in state.replica_sets.values():
            if rs.desired > 0:
                await self._platform.scale(replica_set_spec(state, rs, rs.desired))

    async def resync(self, skip: Callable[[str, str], Awaitable[bool]] | None = None) -> None:
        """After a restart, make the platform hold what the history says (the local platform
        starts empty; a cluster just confirms what it already has). ReplicaSets scaled to 0
        are included: a local platform killed between scaling one down and reporting it would
        otherwise never report it again, and the rollout would count its pods for ever.
        Rollouts for which `skip` says yes are left alone (fenced: their history is being
        imported, and may be partial)."""
        for state in list(self._projection.states.values()):
            if skip is not None and await skip(state.namespace, state.name):
                continue
            for rs in state.replica_sets.values():
                await self._platform.scale(replica_set_spec(state, rs, rs.desired))
            for role, pod_hash in state.selectors.items():
                service = _service_for(state, role)
                if service:
                    ref = RolloutRef(state.namespace, state.name)
                    await self._platform.switch_service(ref, service, pod_hash)


def _service_for(state: RolloutState, role: str) -> str:
    spec = state.spec
    if spec is None:
        return ""
    canary, bg = spec.spec.strategy.canary, spec.spec.strategy.blue_green
    names = {
        "canary": canary.canary_service if canary else "",
        "stable": canary.stable_service if canary else "",
        "active": bg.active_service if bg else "",
        "preview": bg.preview_service if bg else "",
    }
    return names.get(role, "")
