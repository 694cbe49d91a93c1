"""URL layout of the Kubernetes API, as the fake serves it.

`/api/v1/...` is the core group, `/apis/<group>/<version>/...` every other one. Below that:
`<plural>` (a cluster-scoped collection, or every namespace of a namespaced one),
`<plural>/<name>[/<subresource>]` (cluster-scoped objects) and
`namespaces/<ns>/<plural>[/<name>[/<subresource>]]` (namespaced ones). Discovery documents
(`/api`, `/apis`, `/api/v1`, `/apis/<group>[/<version>]`, `/version`) are answered too, so
discovery-based clients find the served types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.support.kube_errors import KubeError
from tests.support.kube_resources import Registry, ResourceType

VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


@dataclass(frozen=True, slots=True)
class Target:
    resource: ResourceType
    namespace: str | None
    """None: every namespace (collections of namespaced kinds only); "" when cluster-scoped."""
    name: str
    """"" for a collection."""
    subresource: str | None


def parse(registry: Registry, path: str) -> Target:
    group, version, rest = _split_group(path)
    resource_path = _resource_path(group, rest)
    if resource_path is None:
        raise KubeError.not_found_resource(path)
    namespace, plural, name, subresource = resource_path
    resource = registry.find(group, version, plural)
    if resource is None or (namespace is not None and not resource.namespaced):
        raise KubeError.not_found_resource(path)
    if resource.namespaced and namespace is None and name:
        raise KubeError.not_found_resource(path)
    if not resource.namespaced:
        namespace = ""
    return Target(resource, namespace, name, subresource)


def _split_group(path: str) -> tuple[str, str, list[str]]:
    parts = [part for part in path.split("/") if part]
    if parts[:2] == ["api", "v1"]:
        return "", "v1", parts[2:]
    if len(parts) >= 3 and parts[0] == "apis":
        return parts[1], parts[2], parts[3:]
    raise KubeError.not_found_resource(path)


def _resource_path(group: str, rest: list[str]) -> tuple[str | None, str, str, str | None] | None:
    """(namespace, plural, name, subresource) of a path below the group version."""
    namespace_object = not group and rest[:1] == ["namespaces"]
    namespace_subresource = (
        namespace_object and len(rest) == 3 and rest[2] in ("status", "finalize")
    )
    if rest[:1] == ["namespaces"] and len(rest) >= 3 and not namespace_subresource:
        return _resource_path_in(rest[1], rest[2:])
    if 1 <= len(rest) <= 3:
        return None, rest[0], rest[1] if len(rest) > 1 else "", rest[2] if len(rest) > 2 else None
    return None


def _resource_path_in(namespace: str, rest: list[str]) -> tuple[str, str, str, str | None] | None:
    if not 1 <= len(rest) <= 3:
        return None
    return namespace, rest[0], rest[1] if len(rest) > 1 else "", rest[2] if len(rest) > 2 else None


def verb(method: str, target: Target, watch: bool) -> str:
    if not target.name:
        verbs = {"GET": "watch" if watch else "list", "POST": "create"}
        verbs["DELETE"] = "deletecollection"
    else:
        verbs = {"GET": "get", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}
        if target.subresource == "eviction":  # POST pods/<name>/eviction creates an Eviction
            verbs["POST"] = "create"
    found = verbs.get(method)
    if found is None:
        raise KubeError.method_not_allowed(method, str(target.resource))
    return found


def discovery(registry: Registry, path: str) -> dict[str, Any] | None:
    """The discovery document at `path`, or None if it is not a discovery path."""
    parts = [part for part in path.split("/") if part]
    if parts == ["version"]:
        return {"major": "1", "minor": "33", "gitVersion": "v1.33.0-fake", "platform": "fake"}
    if parts == ["api"]:
        return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}
    if parts == ["apis"]:
        groups = sorted({r.group for r in registry.all() if r.group})
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
            _group(registry, group) for group in groups
        ]}  # fmt: skip
    if len(parts) == 2 and parts[0] == "apis":
        return _group(registry, parts[1]) if _versions(registry, parts[1]) else None
    if parts == ["api", "v1"] or (len(parts) == 3 and parts[0] == "apis"):
        group, version = ("", "v1") if parts[0] == "api" else (parts[1], parts[2])
        return _resource_list(registry, group, version)
    return None


def _versions(registry: Registry, group: str) -> list[str]:
    return sorted({r.version for r in registry.all() if r.group == group})


def _group(registry: Registry, group: str) -> dict[str, Any]:
    versions = [{"groupVersion": f"{group}/{v}", "version": v} for v in _versions(registry, group)]
    return {
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": group,
        "versions": versions,
        "preferredVersion": versions[-1],
    }


def _resource_list(registry: Registry, group: str, version: str) -> dict[str, Any] | None:
    served = [r for r in registry.all() if (r.group, r.version) == (group, version)]
    if not served:
        return None
    resources = []
    for resource in served:
        entry = {"name": resource.plural, "namespaced": resource.namespaced, "kind": resource.kind}
        names = {"shortNames": list(resource.short_names), "categories": list(resource.categories)}
        main = {**entry, "singularName": resource.kind.lower(), "verbs": VERBS}
        resources.append({**main, **{key: value for key, value in names.items() if value}})
        for sub, kind in (("status", resource.kind), ("scale", "Scale")):
            if (sub == "status" and resource.status) or (sub == "scale" and resource.scale):
                verbs = ["get", "patch", "update"]
                resources.append({**entry, "name": f"{resource.plural}/{sub}", "kind": kind,
                                  "verbs": verbs})  # fmt: skip
    group_version = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "groupVersion": group_version, "resources": resources}
