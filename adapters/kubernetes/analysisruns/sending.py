"""The AnalysisRun writes themselves: create, conditional merge patch, read, delete.

Argo's AnalysisRun CRD has no status subresource (its controller patches the whole object), so
neither does ours: status travels in the same create or patch as metadata and spec. A patch
carries only what differs (`merge_diff`), labels and annotations someone else added are left
alone, and it names the resourceVersion it was computed from, so a concurrent change answers
409 and the writer reads again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.kubernetes.analysisruns.document import PLURAL
from adapters.kubernetes.errors import KubernetesError, call_json, read_json
from adapters.kubernetes.objects import Obj, metadata_of, version_of
from adapters.kubernetes.status.patch import merge_diff, pruned_value
from adapters.kubernetes.watcher import FIELD_MANAGER

MERGE = "application/merge-patch+json"
MANAGED_METADATA = ("labels", "annotations", "ownerReferences")


def create_body(wanted: Mapping[str, Any]) -> Obj:
    body: Obj = pruned_value(wanted)
    return body


def changes_between(found: Mapping[str, Any], wanted: Mapping[str, Any]) -> Obj:
    """The merge patch turning `found` into `wanted` (empty: nothing to write)."""
    patch: Obj = {}
    metadata = {key: wanted["metadata"][key] for key in MANAGED_METADATA}
    if changed := merge_diff(metadata_of(found), metadata):
        patch["metadata"] = changed
    for part in ("spec", "status"):
        present = found.get(part)
        if changed := merge_diff(present if isinstance(present, Mapping) else {}, wanted[part]):
            patch[part] = changed
    return patch


class RunApi:
    def __init__(self, custom: Any, group: str, version: str, timeout: float) -> None:
        self._custom = custom
        self._api = (group, version)
        self._timeout = timeout

    async def write(self, wanted: Mapping[str, Any], found: Mapping[str, Any] | None) -> Obj | None:
        """Create the object, or patch `found` into it; the object written (None: no change).
        A patch of an object deleted meanwhile creates it again."""
        metadata = wanted["metadata"]
        namespace, name = metadata["namespace"], metadata["name"]
        if found is not None:
            patch = changes_between(found, wanted)
            if not patch:
                return None
            patch.setdefault("metadata", {})["resourceVersion"] = version_of(found)
            try:
                return await self._patch(namespace, name, patch)
            except KubernetesError as error:
                if not error.not_found:
                    raise
        created: Obj = await call_json(
            f"create AnalysisRun {namespace}/{name}",
            self._custom.create_namespaced_custom_object(
                *self._api,
                namespace,
                PLURAL,
                create_body(wanted),
                field_manager=FIELD_MANAGER,
                _preload_content=False,
                _request_timeout=self._timeout,
            ),
        )
        return created

    async def _patch(self, namespace: str, name: str, patch: Obj) -> Obj:
        patched: Obj = await call_json(
            f"patch AnalysisRun {namespace}/{name}",
            self._custom.patch_namespaced_custom_object(
                *self._api,
                namespace,
                PLURAL,
                name,
                patch,
                field_manager=FIELD_MANAGER,
                _content_type=MERGE,
                _preload_content=False,
                _request_timeout=self._timeout,
            ),
        )
        return patched

    async def read(self, namespace: str, name: str) -> Obj | None:
        found: Obj | None = await read_json(
            f"read AnalysisRun {namespace}/{name}",
            self._custom.get_namespaced_custom_object(
                *self._api, namespace, PLURAL, name,
                _preload_content=False, _request_timeout=self._timeout,
            ),
        )  # fmt: skip
        return found

    async def delete(self, namespace: str, name: str, uid: str) -> None:
        """Delete this object (its uid: not one created again since); gone already is fine."""
        body = {"preconditions": {"uid": uid}} if uid else {}
        try:
            await call_json(
                f"delete AnalysisRun {namespace}/{name}",
                self._custom.delete_namespaced_custom_object(
                    *self._api, namespace, PLURAL, name, body=body,
                    _preload_content=False, _request_timeout=self._timeout,
                ),
            )  # fmt: skip
        except KubernetesError as error:
            if not error.not_found:
                raise
