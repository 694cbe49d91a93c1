"""AnalysisTemplates and ClusterAnalysisTemplates in the cluster -> the analysis template store.

The analysis worker resolves a run's templates from the store (`adapters.runtime.templates`),
the same store `rollouts apply` writes; this keeps it in step with the cluster. A template that
does not parse is logged and left out (a run naming it fails as Argo's does, with the template
missing). The store has no delete: a template deleted in the cluster is logged and stays in the
store (with its history) unless the store offers `delete(kind, namespace, name)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import structlog
from pydantic import ValidationError

from adapters.kubernetes.informer import CustomResource, Informer, InformerSet
from adapters.kubernetes.objects import GROUP, VERSION, Obj, key_of, template_manifest
from adapters.runtime.templates import TemplateStore, template_from_document
from rollouts.spec.limits import check_data_bounds

log = structlog.get_logger("rollouts.kubernetes")

KINDS = {
    "analysistemplates": ("AnalysisTemplate", True),
    "clusteranalysistemplates": ("ClusterAnalysisTemplate", False),
}


@runtime_checkable
class DeletingTemplateStore(Protocol):
    async def delete(self, kind: str, namespace: str, name: str) -> None: ...


class TemplateWatcher(InformerSet):
    def __init__(
        self,
        custom: Any,
        store: TemplateStore,
        *,
        namespaces: Sequence[str] | None = None,
        cluster_templates: bool = True,
        group: str = GROUP,
        version: str = VERSION,
        timeout_seconds: int = 300,
        request_timeout: float = 30.0,
        retry_delay: float = 0.5,
    ) -> None:
        self._store = store
        informers: list[Informer] = []
        scopes: list[str | None] = [None] if namespaces is None else list(namespaces)
        for plural, (kind, namespaced) in KINDS.items():
            if not (namespaced or cluster_templates):
                continue  # a namespace-scoped install: its Roles cannot list these
            resource = CustomResource(group, version, plural, namespaced)
            for scope in scopes if namespaced else [None]:
                informers.append(
                    Informer(
                        custom,
                        resource,
                        scope,
                        self._handler(kind),
                        timeout_seconds=timeout_seconds,
                        request_timeout=request_timeout,
                        retry_delay=retry_delay,
                    )
                )
        super().__init__(informers)
        self.stored = 0

    def _handler(self, kind: str) -> Any:
        async def handle(change: str, old: Obj | None, new: Obj) -> None:
            await self._on_change(kind, change, new)

        return handle

    async def _on_change(self, kind: str, change: str, obj: Obj) -> None:
        namespace, name = key_of(obj)
        where = f"{kind} {namespace + '/' if namespace else ''}{name}"
        if change == "DELETED":
            if isinstance(self._store, DeletingTemplateStore):
                await self._store.delete(kind, namespace, name)
                log.info("kubernetes.template_deleted", template=where)
            else:
                log.info("kubernetes.template_deleted", template=where, detail="kept in the store")
            return
        manifest = template_manifest(obj, kind)
        if (exceeded := check_data_bounds(manifest)) is not None:
            # Before pydantic, which recurses once per level: refused here, alone.
            problem = f"{exceeded.path}: {exceeded.message}"
            log.warning("kubernetes.template_invalid", template=where, problems=problem)
            return
        try:
            template = template_from_document(manifest)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
            )
            log.warning("kubernetes.template_invalid", template=where, problems=problems)
            return
        await self._store.put(template)
        self.stored += 1
        log.info("kubernetes.template_stored", template=where)
