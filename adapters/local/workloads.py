"""`workloadRef` on the local platform: Deployments in the applied files, and their twin.

`rollouts apply -f app.yaml` with a Deployment (ReplicaSet, PodTemplate) and a Rollout that
references it resolves the Rollout here, from the same files, before anything is sent: the core
receives the Rollout with the Deployment's template filled in (`resolve_manifest`). Applying the
Deployment alone, changed, re-resolves every Rollout that references it (a new template is a new
revision); applying the Rollout alone re-uses the template it was last resolved with.

`LocalWorkloads` is the `WorkloadScaler` port's in-memory twin. The local platform runs no
Deployments (only the Rollouts' ReplicaSets are real loopback servers), so scaling one records
its replica count, which is what `onsuccess` and `progressively` ask of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import structlog

from rollouts.ports import PortError, WorkloadScale
from rollouts.spec import SpecProblem
from rollouts.spec.workload_ref import (
    WORKLOAD_API_VERSIONS,
    WorkloadProblem,
    reference_of,
    resolve_manifest,
)
from rollouts.state import RolloutState

log = structlog.get_logger("rollouts.local")

Obj = dict[str, Any]
WorkloadKey = tuple[str, str, str]
"""(namespace, kind, name)."""


def is_workload(document: Any) -> bool:
    """A Deployment, ReplicaSet or PodTemplate (the kinds a workloadRef may name)."""
    if not isinstance(document, Mapping):
        return False
    kind = document.get("kind")
    return isinstance(kind, str) and WORKLOAD_API_VERSIONS.get(kind) == document.get("apiVersion")


def workload_key(document: Mapping[str, Any], namespace: str) -> WorkloadKey:
    metadata = document.get("metadata") or {}
    return (
        str(metadata.get("namespace") or namespace),
        str(document.get("kind")),
        str(metadata.get("name") or ""),
    )


def without_workload_kinds(
    documents: Mapping[int, Any], problems: Sequence[SpecProblem], source: str
) -> list[SpecProblem]:
    """One file's problems less the "not a Rollout" ones the loader reports for the workloads
    in it: a Deployment beside the Rollout that references it is read, not unknown."""
    numbers = {number for number, document in documents.items() if is_workload(document)}
    return [
        p
        for p in problems
        if not (p.path == "kind" and p.source == source and p.document in numbers)
    ]


def collect(documents: Iterable[Any], namespace: str) -> dict[WorkloadKey, Obj]:
    """The workloads among decoded documents, by where they would live."""
    return {workload_key(d, namespace): dict(d) for d in documents if is_workload(d)}


def resolve_local(
    manifest: Mapping[str, Any],
    namespace: str,
    workloads: Mapping[WorkloadKey, Obj],
    state: RolloutState | None,
) -> Obj:
    """The manifest to send: resolved from the applied workloads, else from the template the
    rollout was last resolved with. Raises WorkloadProblem naming the field."""
    ref = reference_of(manifest)
    if ref is None:
        return resolve_manifest(manifest, None)
    kind, name = ref
    workload = workloads.get((namespace, kind, name)) or _last_resolved(state, kind, name)
    if workload is None:
        raise WorkloadProblem(
            "spec.workloadRef",
            f"{kind} {namespace}/{name} not found: apply it in the same command "
            "(the local platform keeps no Deployments)",
        )
    return resolve_manifest(manifest, workload)


def _last_resolved(state: RolloutState | None, kind: str, name: str) -> Obj | None:
    """The template (and selector) the rollout now runs, shaped like the workload it came
    from; None unless the rollout was resolved from that very workload."""
    spec = state.spec if state is not None else None
    ref = spec.spec.workload_ref if spec is not None else None
    if spec is None or ref is None or (ref.kind, ref.name) != (kind, name):
        return None
    dumped = spec.model_dump(mode="json", by_alias=True, exclude_unset=True)["spec"]
    template = dumped.get("template")
    if kind == "PodTemplate":
        return {"kind": kind, "template": template}
    return {"kind": kind, "spec": {"template": template, "selector": dumped.get("selector")}}


def referrers(states: Iterable[RolloutState], key: WorkloadKey) -> list[RolloutState]:
    """The rollouts (resolved from workloads) that reference the workload `key`."""
    namespace, kind, name = key
    found = []
    for state in states:
        ref = state.spec.spec.workload_ref if state.spec is not None else None
        if (
            state.namespace == namespace
            and ref is not None
            and (ref.kind, ref.name) == (kind, name)
        ):
            found.append(state)
    return found


class LocalWorkloads:
    """The `WorkloadScaler` twin: replica counts of workloads by (namespace, kind, name)."""

    def __init__(self, workloads: Mapping[WorkloadKey, int] | None = None) -> None:
        self.replicas: dict[WorkloadKey, int] = dict(workloads or {})
        self.calls: list[WorkloadScale] = []

    async def scale_workload(self, request: WorkloadScale) -> bool:
        if request.replicas < 0:
            raise PortError(f"scale {request}: replicas must not be negative")
        self.calls.append(request)
        key = (request.rollout.namespace, request.kind, request.name)
        if self.replicas.get(key) == request.replicas:
            return False
        self.replicas[key] = request.replicas
        log.info("local.workload_scaled", workload=str(request))
        return True
