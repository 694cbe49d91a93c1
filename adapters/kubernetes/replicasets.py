"""Creating, adopting, scaling and deleting a rollout's ReplicaSets through the API.

`scale` reads the Rollout object (for the controller reference, selector and spec.replicas; a
rollout driven from the local CLI has none, and its ReplicaSets get no owner), then creates the
ReplicaSet or merge-patches what differs. Every patched field is set to an absolute value, so
the patch is unconditional (the ReplicaSet controller's frequent status writes would make a
conditional one conflict), except when it adopts an orphan: extending `ownerReferences` is
conditional on the resourceVersion read. A 409 means: read again, recompute, retry, up to
`conflict_retries` times. When the ephemeral pod labels change, the existing pods are
relabelled too (a ReplicaSet's template only applies to pods created later), as Argo does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.kubernetes.changes import replica_set_patch
from adapters.kubernetes.errors import KubernetesError, call_json, read_json, read_rollout
from adapters.kubernetes.manifests import (
    POD_TEMPLATE_HASH,
    Naming,
    Obj,
    Owner,
    ownership_problem,
    replica_set_manifest,
)
from adapters.kubernetes.objects import GROUP, VERSION
from adapters.kubernetes.retry import retry_on_conflict
from rollouts.ports import PortError, ReplicaSetSpec

MERGE = "application/merge-patch+json"


class ReplicaSetWriter:
    def __init__(
        self,
        apps: Any,
        core: Any,
        custom: Any,
        *,
        request_timeout: float,
        conflict_retries: int,
        rollout_api: tuple[str, str] = (GROUP, VERSION),
    ) -> None:
        """`rollout_api`: (group, version) of the Rollout resource that owns the ReplicaSets."""
        self._rollout_api = rollout_api
        self._apps = apps
        self._core = core
        self._custom = custom
        self._timeout = request_timeout
        self._retries = conflict_retries

    async def scale(self, spec: ReplicaSetSpec, naming: Naming) -> None:
        if spec.replicas < 0:
            raise PortError(f"{spec.name}: replicas must not be negative, got {spec.replicas}")
        owner = await self._owner(naming.namespace, spec.rollout.name)
        await retry_on_conflict(
            f"scale ReplicaSet {naming.namespace}/{spec.name}",
            lambda: self._converge(spec, owner, naming),
            retries=self._retries,
            lost_create=True,
        )

    async def delete(self, namespace: str, name: str) -> None:
        try:
            await call_json(
                f"delete ReplicaSet {namespace}/{name}",
                self._apps.delete_namespaced_replica_set(
                    name,
                    namespace,
                    propagation_policy="Background",
                    _preload_content=False,
                    _request_timeout=self._timeout,
                ),
            )
        except KubernetesError as error:
            if not error.not_found:
                raise

    async def _converge(self, spec: ReplicaSetSpec, owner: Owner | None, naming: Naming) -> None:
        where = f"ReplicaSet {naming.namespace}/{spec.name}"
        existing = await self._read(naming.namespace, spec.name)
        if existing is None:
            await self._create(spec, owner, naming)
            return
        if problem := ownership_problem(existing, spec, owner):
            raise PortError(problem)
        patch = replica_set_patch(existing, spec, owner, naming)
        if patch is None:
            return
        if "ownerReferences" in patch.get("metadata", {}):
            patch["metadata"]["resourceVersion"] = existing["metadata"]["resourceVersion"]
        await call_json(
            f"patch {where}",
            self._apps.patch_namespaced_replica_set(
                spec.name,
                naming.namespace,
                patch,
                _content_type=MERGE,
                _preload_content=False,
                _request_timeout=self._timeout,
            ),
        )
        labels = patch.get("spec", {}).get("template", {}).get("metadata", {}).get("labels")
        if labels:
            await self._relabel_pods(existing, labels, spec.pod_template_hash)

    async def _create(self, spec: ReplicaSetSpec, owner: Owner | None, naming: Naming) -> None:
        await call_json(
            f"create ReplicaSet {naming.namespace}/{spec.name}",
            self._apps.create_namespaced_replica_set(
                naming.namespace,
                replica_set_manifest(spec, owner, naming),
                _preload_content=False,
                _request_timeout=self._timeout,
            ),
        )

    async def _read(self, namespace: str, name: str) -> Obj | None:
        found: Obj | None = await read_json(
            f"read ReplicaSet {namespace}/{name}",
            self._apps.read_namespaced_replica_set(
                name, namespace, _preload_content=False, _request_timeout=self._timeout
            ),
        )
        return found

    async def _owner(self, namespace: str, name: str) -> Owner | None:
        """The Rollout object, if the API has one (404: no CRD or no object, e.g. local CLI)."""
        rollout = await read_rollout(
            self._custom, self._rollout_api, namespace, name, self._timeout
        )
        return None if rollout is None else Owner.of(rollout)

    async def _relabel_pods(
        self, rs: Obj, changes: Mapping[str, str | None], spec_hash: str
    ) -> None:
        namespace, name = rs["metadata"]["namespace"], rs["metadata"]["name"]
        listed = await call_json(
            f"list pods of ReplicaSet {namespace}/{name}",
            self._core.list_namespaced_pod(
                namespace,
                label_selector=f"{POD_TEMPLATE_HASH}={spec_hash}",
                _preload_content=False,
                _request_timeout=self._timeout,
            ),
        )
        uid = rs["metadata"].get("uid")
        for pod in listed.get("items") or []:
            refs = pod.get("metadata", {}).get("ownerReferences") or []
            if any(ref.get("uid") == uid for ref in refs):
                await self._relabel_pod(pod, changes, namespace)

    async def _relabel_pod(
        self, pod: Obj, changes: Mapping[str, str | None], namespace: str
    ) -> None:
        current = pod["metadata"].get("labels") or {}
        needed = {
            key: value
            for key, value in changes.items()
            if ((key in current) if value is None else (current.get(key) != value))
        }
        if not needed:
            return
        name = pod["metadata"]["name"]
        try:
            await call_json(
                f"relabel pod {namespace}/{name}",
                self._core.patch_namespaced_pod(
                    name,
                    namespace,
                    {"metadata": {"labels": needed}},
                    _content_type=MERGE,
                    _preload_content=False,
                    _request_timeout=self._timeout,
                ),
            )
        except KubernetesError as error:
            if not error.not_found:
                raise
