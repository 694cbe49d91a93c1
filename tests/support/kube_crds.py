"""CustomResourceDefinitions: creating one makes the fake serve its type, as on a cluster.

`kubectl apply -f deploy/crds/` (or `FakeKube.install_crds(paths)`) stores the CRD objects;
the listener here then registers, for every served version, a `ResourceType` carrying what
the CRD declares: scope, the status and scale subresources, short names and categories (for
discovery, so `kubectl get ro` works), `additionalPrinterColumns` (the Table `kubectl get`
prints, see kube_table) and the openAPIV3Schema (pruning and fieldValidation, kube_schema).
A CRD written again replaces its types; the CRD's status gets the `NamesAccepted` and
`Established` conditions soon after, as the apiextensions controllers write them.

Not modelled: deleting a CRD keeps its type and objects (a cluster deletes them all); each
served version is its own store here (a cluster stores one version and converts), so an object
created as v1alpha3 is not read back as v1beta1; conversion webhooks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from tests.support.kube_resources import (
    CUSTOM_RESOURCE_DEFINITIONS,
    PrinterColumn,
    Registry,
    ResourceType,
    ScalePaths,
)
from tests.support.kube_store import Change, Obj, Store


def crd_manifests(paths: Iterable[Path]) -> list[Obj]:
    """The CustomResourceDefinition documents of YAML files (other documents are skipped)."""
    found = []
    for path in paths:
        for document in yaml.safe_load_all(path.read_text()):
            if (
                isinstance(document, dict)
                and document.get("kind") == CUSTOM_RESOURCE_DEFINITIONS.kind
            ):
                found.append(document)
    return found


def install_crds(store: Store, paths: Iterable[Path]) -> list[Obj]:
    """Create, or replace, the CRDs in these files (in-process, as `kubectl apply` would)."""
    written = []
    for crd in crd_manifests(paths):
        name = crd["metadata"]["name"]
        current = store.find(CUSTOM_RESOURCE_DEFINITIONS, "", name)
        if current is None:
            written.append(store.create(CUSTOM_RESOURCE_DEFINITIONS, "", crd))
        else:
            version = {"resourceVersion": current["metadata"]["resourceVersion"]}
            body = {**crd, "metadata": {**crd["metadata"], **version}}
            written.append(store.replace(CUSTOM_RESOURCE_DEFINITIONS, "", name, body))
    return written


def resource_types(crd: Mapping[str, Any]) -> list[ResourceType]:
    """One type per served version of the CRD."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    found = []
    for version in spec.get("versions") or []:
        if not version.get("served", True):
            continue
        subresources = version.get("subresources") or {}
        columns = version.get("additionalPrinterColumns")
        found.append(
            ResourceType(
                spec["group"],
                version["name"],
                names["plural"],
                names["kind"],
                namespaced=spec.get("scope", "Namespaced") == "Namespaced",
                status="status" in subresources,
                scale=_scale(subresources.get("scale")),
                builtin=False,
                columns=None if columns is None else tuple(map(_column, columns)),
                short_names=tuple(names.get("shortNames") or ()),
                categories=tuple(names.get("categories") or ()),
                schema=(version.get("schema") or {}).get("openAPIV3Schema"),
            )
        )
    return found


def _scale(scale: Mapping[str, Any] | None) -> ScalePaths | None:
    if scale is None:
        return None
    return ScalePaths(
        scale["specReplicasPath"].lstrip("."),
        scale["statusReplicasPath"].lstrip("."),
        str(scale.get("labelSelectorPath", ".spec.selector")).lstrip("."),
    )


def _column(column: Mapping[str, Any]) -> PrinterColumn:
    return PrinterColumn(
        name=column["name"],
        type=column["type"],
        json_path=column["jsonPath"],
        description=column.get("description", ""),
        format=column.get("format", ""),
        priority=int(column.get("priority", 0)),
    )


class CrdController:
    """Keeps the registry in step with the stored CRDs (subscribe it to the store)."""

    def __init__(self, store: Store, registry: Registry) -> None:
        self.store = store
        self.registry = registry

    def __call__(self, change: Change) -> None:
        if change.resource != CUSTOM_RESOURCE_DEFINITIONS or change.type == "DELETED":
            return
        for resource in resource_types(change.obj):
            self.registry.replace(resource)
        if not _established(change.obj):
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return
            loop.call_soon(self._establish, change.obj["metadata"]["name"])

    def _establish(self, name: str) -> None:
        """Writes the conditions later: a write inside a listener would reorder watch events."""
        current = self.store.find(CUSTOM_RESOURCE_DEFINITIONS, "", name)
        if current is None or _established(current):
            return
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        names = (current.get("spec") or {}).get("names") or {}
        conditions = [
            {"type": kind, "status": "True", "reason": reason, "message": message,
             "lastTransitionTime": now}
            for kind, reason, message in (
                ("NamesAccepted", "NoConflicts", "no conflicts found"),
                ("Established", "InitialNamesAccepted", "the initial names have been accepted"),
            )
        ]  # fmt: skip
        status = {"conditions": conditions, "acceptedNames": names, "storedVersions": [
            version["name"] for version in (current.get("spec") or {}).get("versions") or []
            if version.get("storage")
        ]}  # fmt: skip
        self.store.replace(
            CUSTOM_RESOURCE_DEFINITIONS, "", name, {**current, "status": status}, status=True
        )


def _established(crd: Mapping[str, Any]) -> bool:
    conditions = (crd.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Established" and c.get("status") == "True" for c in conditions)
