"""Reading and writing the routers' objects through the Kubernetes API, as plain dicts.

Every router does the same three things: read an object (a missing one is either "create it"
or a clear error naming it), change it in memory, and write it back. `update` is that loop as
Argo does it for VirtualServices and HTTPRoutes: a PUT carrying the resourceVersion read, so a
concurrent writer makes it fail with 409; then it reads again and recomputes, a few times.
Errors are `KubernetesError`s (one line: what was attempted, the status, the API's message).
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from kubernetes_asyncio import client

from adapters.kubernetes.errors import call_json, read_json
from adapters.kubernetes.manifests import Owner
from adapters.kubernetes.retry import retry_on_conflict
from rollouts.ports import PortError, RolloutRef

Obj = dict[str, Any]
Change = Callable[[Obj], Obj | None]
"""Given a fresh copy of the object, the object to write, or None when nothing is to change."""

MERGE = "application/merge-patch+json"


@dataclass(frozen=True, slots=True)
class Kind:
    """A custom resource type, and the word used for it in messages."""

    group: str
    version: str
    plural: str
    kind: str

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"


INGRESS = Kind("networking.k8s.io", "v1", "ingresses", "Ingress")
ROLLOUT = Kind("argoproj.io", "v1alpha1", "rollouts", "Rollout")


class ObjectClient:
    """Custom objects and Ingresses of one cluster; the caller owns the ApiClient."""

    def __init__(
        self,
        api_client: client.ApiClient,
        *,
        request_timeout: float = 30.0,
        conflict_retries: int = 5,
    ) -> None:
        self._custom: Any = client.CustomObjectsApi(api_client)
        self._networking: Any = client.NetworkingV1Api(api_client)
        self._timeout = request_timeout
        self._retries = conflict_retries

    async def read(self, kind: Kind, namespace: str, name: str) -> Obj | None:
        """The object, or None if the API says it does not exist."""
        found: Obj | None = await read_json(
            f"read {kind.kind} {namespace}/{name}", self._get(kind, namespace, name)
        )
        return found

    async def require(self, kind: Kind, namespace: str, name: str, rollout: RolloutRef) -> Obj:
        found = await self.read(kind, namespace, name)
        if found is None:
            raise PortError(
                f"{kind.kind} {namespace}/{name} not found (rollout {rollout} routes traffic "
                "through it)"
            )
        return found

    async def update(
        self, kind: Kind, namespace: str, name: str, rollout: RolloutRef, change: Change
    ) -> bool:
        """Read, change, replace; on a conflict read again and retry. True if it wrote."""
        where = f"{kind.kind} {namespace}/{name}"

        async def attempt() -> bool:
            current = await self.require(kind, namespace, name, rollout)
            wanted = change(copy.deepcopy(current))
            if wanted is None or wanted == current:
                return False
            await call_json(f"update {where}", self._replace(kind, namespace, name, wanted))
            return True

        return await retry_on_conflict(f"update {where}", attempt, retries=self._retries)

    async def create(self, kind: Kind, namespace: str, body: Obj) -> None:
        name = body.get("metadata", {}).get("name", "")
        action = f"create {kind.kind} {namespace}/{name}"
        if kind == INGRESS:
            request = self._networking.create_namespaced_ingress(
                namespace, body, _preload_content=False, _request_timeout=self._timeout
            )
        else:
            request = self._custom.create_namespaced_custom_object(
                kind.group,
                kind.version,
                namespace,
                kind.plural,
                body,
                _preload_content=False,
                _request_timeout=self._timeout,
            )
        await call_json(action, request)

    async def patch(self, kind: Kind, namespace: str, name: str, patch: Obj) -> None:
        """A JSON merge patch (maps merge, lists are replaced)."""
        action = f"patch {kind.kind} {namespace}/{name}"
        options: dict[str, Any] = {
            "_content_type": MERGE,
            "_preload_content": False,
            "_request_timeout": self._timeout,
        }
        if kind == INGRESS:
            request = self._networking.patch_namespaced_ingress(name, namespace, patch, **options)
        else:
            request = self._custom.patch_namespaced_custom_object(
                kind.group, kind.version, namespace, kind.plural, name, patch, **options
            )
        await call_json(action, request)

    async def owner(self, rollout: RolloutRef, namespace: str) -> Owner | None:
        """The Rollout object when the API has one (objects we create are then owned by it)."""
        found = await self.read(ROLLOUT, namespace, rollout.name)
        return Owner.of(found) if found is not None and found.get("metadata") else None

    async def retrying(self, what: str, attempt: Callable[[], Awaitable[None]]) -> None:
        """Run `attempt` again while it fails with a conflict or a lost create race."""
        await retry_on_conflict(what, attempt, retries=self._retries, lost_create=True)

    def _get(self, kind: Kind, namespace: str, name: str) -> Any:
        options = {"_preload_content": False, "_request_timeout": self._timeout}
        if kind == INGRESS:
            return self._networking.read_namespaced_ingress(name, namespace, **options)
        return self._custom.get_namespaced_custom_object(
            kind.group, kind.version, namespace, kind.plural, name, **options
        )

    def _replace(self, kind: Kind, namespace: str, name: str, body: Obj) -> Any:
        options = {"_preload_content": False, "_request_timeout": self._timeout}
        if kind == INGRESS:
            return self._networking.replace_namespaced_ingress(name, namespace, body, **options)
        return self._custom.replace_namespaced_custom_object(
            kind.group, kind.version, namespace, kind.plural, name, body, **options
        )
