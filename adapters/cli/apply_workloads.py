"""`rollouts apply` with workloads: Deployments, ReplicaSets and PodTemplates a Rollout's
`workloadRef` names (`adapters.local.workloads` resolves them).

A workload in the files is not an unknown kind: it is read, not applied (the local platform runs
no Deployments), and every Rollout that references it is sent resolved with its template. A
workload applied without its Rollouts re-resolves the rollouts already running from it, so a new
image in the Deployment is a new revision of each, as on a cluster.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from adapters.cli.errors import CliError
from adapters.local.workloads import (
    WorkloadKey,
    collect,
    referrers,
    resolve_local,
    without_workload_kinds,
)
from adapters.runtime.client import RolloutsClient
from rollouts.spec import SpecProblem
from rollouts.spec.workload_ref import WorkloadProblem
from rollouts.state import RolloutState

Obj = dict[str, Any]


def read_workloads(
    documents: dict[int, Any], problems: Sequence[SpecProblem], source: str, namespace: str
) -> tuple[dict[WorkloadKey, Obj], list[SpecProblem]]:
    """The workloads among one file's documents, and the file's problems without the
    "not a Rollout" ones the loader reports for them."""
    kept = without_workload_kinds(documents, problems, source)
    return collect(documents.values(), namespace), kept


def resolved(
    key: str,
    document: Obj,
    namespace: str,
    workloads: dict[WorkloadKey, Obj],
    state: RolloutState | None,
) -> Obj:
    """The document to send for rollout `key`, its workloadRef resolved."""
    try:
        return resolve_local(document, namespace, workloads, state)
    except WorkloadProblem as problem:
        raise CliError(f"rollout {key}: {problem}") from None


async def referencing(
    client: RolloutsClient, workloads: dict[WorkloadKey, Obj], applied: Iterable[str]
) -> list[tuple[str, str, Obj]]:
    """(namespace, name, manifest) of each rollout not in the files that references one of
    `workloads`: it is sent again, re-resolved (its manifest is the one it last applied)."""
    if not workloads:
        return []
    states = await client.states()
    skip = set(applied)
    found = []
    for key in workloads:
        for state in referrers(states, key):
            if state.key in skip or state.spec is None:
                continue
            skip.add(state.key)
            manifest = state.spec.model_dump(mode="json", by_alias=True, exclude_unset=True)
            found.append((state.namespace, state.name, manifest))
    return found


def describe(key: WorkloadKey) -> str:
    namespace, kind, name = key
    return f"{kind.lower()} {namespace}/{name}"
