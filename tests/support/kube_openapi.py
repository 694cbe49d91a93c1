"""The OpenAPI v3 documents kubectl reads before it writes (`/openapi/v3`, `/openapi/v3/<gv>`).

kubectl (1.27+) downloads them to decide how to validate: if a type's PATCH operation lists
the `fieldValidation` query parameter, kubectl leaves validation to the server and sends
`fieldValidation=Strict` (kube_schema answers it); without the documents it falls back to
client-side validation with `/openapi/v2`, which it reads as protobuf only, and fails with
"failed to download openapi". So every served type gets its paths here, with the operations'
`x-kubernetes-group-version-kind` and `x-kubernetes-action`, and a component schema: the
CRD's openAPIV3Schema for CRD types, an open object for built-in ones.

The PATCH operations of built-in kinds do not list `application/strategic-merge-patch+json`:
kubectl then builds its strategic merge patches from its compiled-in types instead of from
schemas this fake does not have (kube_patch merges them as JSON merge patches anyway).
`/openapi/v2` stays 404, as on servers that disable it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from tests.support.kube_resources import Registry, ResourceType

Obj = dict[str, Any]
QUERY = ("dryRun", "fieldManager", "fieldValidation", "force", "pretty")
PATCH_TYPES = (
    "application/apply-patch+yaml",
    "application/json-patch+json",
    "application/merge-patch+json",
)
PATCH_SCHEMA = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch"


def openapi(registry: Registry, path: str) -> Obj | None:
    """The document at `path`, None when it is not an OpenAPI v3 path or the GV is unknown."""
    parts = [part for part in path.split("/") if part]
    if parts[:2] != ["openapi", "v3"]:
        return None
    if len(parts) == 2:
        return {"paths": {gv: {"serverRelativeURL": f"/openapi/v3/{gv}?hash={_hash(registry, gv)}"}
                          for gv in _group_versions(registry)}}  # fmt: skip
    return group_version_document(registry, "/".join(parts[2:]))


def _group_versions(registry: Registry) -> list[str]:
    return sorted({_gv_path(resource) for resource in registry.all()})


def _gv_path(resource: ResourceType) -> str:
    return f"apis/{resource.group}/{resource.version}" if resource.group else "api/v1"


def _hash(registry: Registry, gv: str) -> str:
    document = group_version_document(registry, gv)
    return hashlib.sha512(json.dumps(document, sort_keys=True).encode()).hexdigest()[:32].upper()


def group_version_document(registry: Registry, gv: str) -> Obj | None:
    served = [resource for resource in registry.all() if _gv_path(resource) == gv]
    if not served:
        return None
    paths: Obj = {}
    schemas: Obj = {PATCH_SCHEMA: {"type": "object", "description": "A patch body."}}
    for resource in served:
        name = _schema_name(resource)
        schemas[name] = _schema(resource)
        paths.update(_paths(resource, name))
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.33.0-fake"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _schema_name(resource: ResourceType) -> str:
    group = ".".join(reversed(resource.group.split("."))) if resource.group else "io.k8s.api.core"
    return f"{group}.{resource.version}.{resource.kind}"


def _gvk(resource: ResourceType) -> Obj:
    return {"group": resource.group, "version": resource.version, "kind": resource.kind}


def _schema(resource: ResourceType) -> Obj:
    base: Obj = dict(resource.schema) if resource.schema is not None else {
        "type": "object", "x-kubernetes-preserve-unknown-fields": True
    }  # fmt: skip
    return {**base, "x-kubernetes-group-version-kind": [_gvk(resource)]}


def _paths(resource: ResourceType, schema: str) -> Obj:
    prefix = f"/{_gv_path(resource)}"
    if resource.namespaced:
        prefix += "/namespaces/{namespace}"
    collection = f"{prefix}/{resource.plural}"
    item = f"{collection}/{{name}}"
    answer = {"$ref": f"#/components/schemas/{schema}"}
    return {
        collection: {
            "get": _operation(resource, "list", answer),
            "post": _operation(resource, "post", answer, ("application/json",), schema),
        },
        item: {
            "get": _operation(resource, "get", answer),
            "put": _operation(resource, "put", answer, ("application/json",), schema),
            "patch": _operation(resource, "patch", answer, PATCH_TYPES, PATCH_SCHEMA),
            "delete": _operation(resource, "delete", answer),
        },
    }


def _operation(
    resource: ResourceType,
    action: str,
    answer: Obj,
    body_types: tuple[str, ...] = (),
    body_schema: str = "",
) -> Obj:
    operation: Obj = {
        "operationId": f"{action}{resource.kind}",
        "parameters": [{"name": name, "in": "query", "schema": {"type": "string"}}
                       for name in (QUERY if body_types else ("pretty",))],
        "responses": {"200": {"description": "OK",
                              "content": {"application/json": {"schema": answer}}}},
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": _gvk(resource),
    }  # fmt: skip
    if body_types:
        ref = {"schema": {"$ref": f"#/components/schemas/{body_schema}"}}
        operation["requestBody"] = {"content": {media: ref for media in body_types}}
    return operation
