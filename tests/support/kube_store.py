"""The fake API server's storage: objects, resource versions and the change history.

Semantics kept from the real server (pinned by tests/integration/kubernetes/test_fake_*.py):
- one global resourceVersion counter, a new value on every write that changes something (a
  write that changes nothing is a no-op); uid, creationTimestamp and generation are the
  server's, and generation grows when anything but metadata and status changes;
- with a status subresource, `status` is ignored on create and main-resource writes and
  `/status` writes change only it; custom resources refuse strategic merge patches (415);
- a write carrying `metadata.resourceVersion` is conditional (409 Conflict when stale); PUT of
  a custom resource must carry one (422), built-in kinds allow unconditional PUT;
- cluster-scoped objects have no namespace; namespaced ones may name only the URL's;
- deletion is immediate (no finalizers, no garbage collection); DELETED has a new version;
- CRD types keep only the fields their schema declares (kube_schema); `dry_run()` answers
  `dryRun=All` writes as if written, and keeps nothing;
- a bounded history lets watches resume; older resourceVersions get 410 Gone (`compact()`).
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tests.support.kube_errors import KubeError
from tests.support.kube_patch import STRATEGIC, apply_patch, content_kind
from tests.support.kube_resources import Registry, ResourceType
from tests.support.kube_schema import prune
from tests.support.kube_selectors import Matcher
from tests.support.kube_validate import name_suffix, validate

Obj = dict[str, Any]
SYSTEM_FIELDS = ("uid", "creationTimestamp", "generation", "resourceVersion", "name", "namespace")


@dataclass(frozen=True, slots=True)
class Change:
    """One write, as watches report it: `obj` after the change, `old` before (None if added)."""

    version: int
    type: str
    resource: ResourceType
    obj: Obj
    old: Obj | None


Listener = Callable[[Change], None]


class Store:
    def __init__(self, registry: Registry, history_limit: int = 1000) -> None:
        self.registry = registry
        self.version = 0
        self.compacted = 0
        """Changes at or below this version are no longer in the history."""
        self._objects: dict[ResourceType, dict[tuple[str, str], Obj]] = {}
        self._history: deque[Change] = deque()
        self._history_limit = history_limit
        self._listeners: list[Listener] = []
        self._names = itertools.count(1)
        self.validation = "Ignore"
        """The fieldValidation of the request being served (KubeHttp sets it around a write)."""
        self.warnings: list[str] = []
        """The `Warning` header texts of the last write (unknown fields dropped)."""

    # history and listeners

    @property
    def history_limit(self) -> int:
        return self._history_limit

    @history_limit.setter
    def history_limit(self, limit: int) -> None:
        self._history_limit = limit
        self._trim()

    def compact(self) -> None:
        """Forget every change so far: watches from any older version get 410 Gone."""
        self._history.clear()
        self.compacted = self.version

    def changes_after(self, version: int) -> list[Change]:
        if version < self.compacted:
            raise KubeError.gone(version, self.compacted + 1)
        return [change for change in self._history if change.version > version]

    def history(self) -> list[Change]:
        return list(self._history)

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    # reads

    def get(self, resource: ResourceType, namespace: str, name: str) -> Obj:
        return copy.deepcopy(self._current(resource, namespace, name))

    def find(self, resource: ResourceType, namespace: str, name: str) -> Obj | None:
        found = self._objects.get(resource, {}).get((namespace, name))
        return copy.deepcopy(found) if found is not None else None

    def list(
        self,
        resource: ResourceType,
        namespace: str | None,
        labels: Matcher = lambda _: True,
        fields: Matcher = lambda _: True,
    ) -> list[Obj]:
        objects = self._objects.get(resource, {})
        return [
            copy.deepcopy(obj)
            for (ns, _), obj in sorted(objects.items())
            if namespace in (None, ns) and labels(obj) and fields(obj)
        ]

    # writes

    def create(
        self, resource: ResourceType, namespace: str, body: Obj, *, keep_status: bool = False
    ) -> Obj:
        obj = self._normalised(resource, body)
        metadata = obj["metadata"]
        if not resource.namespaced:
            metadata.pop("namespace", None)
        elif metadata.get("namespace") not in (None, "", namespace):
            raise KubeError.bad_request(
                "the namespace of the provided object does not match the namespace sent on "
                "the request"
            )
        name = metadata.get("name") or self._generated_name(resource, namespace, metadata)
        if (namespace, name) in self._objects.get(resource, {}):
            raise KubeError.already_exists(resource.qualified, name)
        if resource.status and not keep_status:
            obj.pop("status", None)
        obj, self.warnings = prune(resource.schema, obj, self.validation)
        metadata = obj["metadata"]
        if resource.group == "apps" and "spec" in obj:
            obj["spec"].setdefault("replicas", 1)
        metadata.update(
            name=name,
            uid=str(uuid.uuid4()),
            generation=1,
            creationTimestamp=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        for key in ("deletionTimestamp", "selfLink", "managedFields"):
            metadata.pop(key, None)
        if resource.namespaced:
            metadata["namespace"] = namespace
        validate(resource, obj, None)
        return self._write(resource, "ADDED", None, obj)

    def replace(
        self, resource: ResourceType, namespace: str, name: str, body: Obj, *, status: bool = False
    ) -> Obj:
        old = self._current(resource, namespace, name)
        candidate = self._normalised(resource, body)
        if candidate["metadata"].get("name", name) != name:
            raise KubeError.bad_request("the name of the object does not match the name on the URL")
        if not resource.builtin and not candidate["metadata"].get("resourceVersion"):
            raise KubeError.invalid(
                resource.qualified,
                name,
                "metadata.resourceVersion: Invalid value: 0x0: must be specified for an update",
            )
        return self._update(resource, old, candidate, status=status)

    def patch(
        self,
        resource: ResourceType,
        namespace: str,
        name: str,
        content_type: str,
        patch: Any,
        *,
        status: bool = False,
    ) -> Obj:
        if not resource.builtin and content_kind(content_type) == STRATEGIC:
            raise KubeError.unsupported_media(content_type, strategic=False)
        old = self._current(resource, namespace, name)
        candidate = self._normalised(resource, apply_patch(content_type, old, patch))
        return self._update(resource, old, candidate, status=status)

    @contextlib.contextmanager
    def dry_run(self) -> Iterator[None]:
        """Writes inside are answered, then undone (stored objects are replaced on write,
        never changed in place, so shallow copies are a snapshot)."""
        saved = {resource: dict(objects) for resource, objects in self._objects.items()}
        version, compacted, history = self.version, self.compacted, deque(self._history)
        listeners, self._listeners = self._listeners, []
        try:
            yield
        finally:
            self._objects, self._history, self._listeners = saved, history, listeners
            self.version, self.compacted = version, compacted

    def delete(
        self,
        resource: ResourceType,
        namespace: str,
        name: str,
        preconditions: Mapping[str, Any] | None = None,
    ) -> Obj:
        old = self._current(resource, namespace, name)
        for key in ("uid", "resourceVersion"):
            wanted = (preconditions or {}).get(key)
            if wanted and wanted != old["metadata"].get(key):
                why = f"Precondition failed: {key} in precondition: {wanted}, {key} in object meta: {old['metadata'].get(key)}"  # noqa: E501
                raise KubeError.conflict(resource.qualified, name, why)
        del self._objects[resource][(namespace, name)]
        gone = copy.deepcopy(old)
        return self._write(resource, "DELETED", old, gone)

    # internals

    def _current(self, resource: ResourceType, namespace: str, name: str) -> Obj:
        found = self._objects.get(resource, {}).get((namespace, name))
        if found is None:
            raise KubeError.not_found(resource.qualified, name)
        return found

    def _normalised(self, resource: ResourceType, body: Any) -> Obj:
        if not isinstance(body, dict):
            raise KubeError.bad_request("the request body must be a JSON object")
        if body.get("kind") not in (None, resource.kind):
            raise KubeError.bad_request(
                f"the kind {body.get('kind')!r} does not match the resource {resource}"
            )
        obj = copy.deepcopy(body)
        obj["apiVersion"], obj["kind"] = resource.api_version, resource.kind
        if not isinstance(obj.get("metadata"), dict):
            obj["metadata"] = {}
        return obj

    def _update(self, resource: ResourceType, old: Obj, candidate: Obj, *, status: bool) -> Obj:
        name = old["metadata"]["name"]
        wanted = candidate["metadata"].get("resourceVersion")
        if wanted and wanted != old["metadata"]["resourceVersion"]:
            raise KubeError.conflict(resource.qualified, name)
        if status:
            new = copy.deepcopy(old)
            _set_or_drop(new, "status", candidate.get("status"))
        else:
            new = candidate
            for key in SYSTEM_FIELDS:
                _set_or_drop(new["metadata"], key, old["metadata"].get(key))
            if resource.status:
                _set_or_drop(new, "status", old.get("status"))
        new, self.warnings = prune(resource.schema, new, self.validation)
        if new == old:
            return copy.deepcopy(old)
        if _content(new) != _content(old):
            new["metadata"]["generation"] = old["metadata"].get("generation", 1) + 1
        validate(resource, new, old)
        return self._write(resource, "MODIFIED", old, new)

    def _write(self, resource: ResourceType, kind: str, old: Obj | None, new: Obj) -> Obj:
        self.version += 1
        new["metadata"]["resourceVersion"] = str(self.version)
        key = (new["metadata"].get("namespace", ""), new["metadata"]["name"])
        if kind != "DELETED":
            self._objects.setdefault(resource, {})[key] = new
        change = Change(self.version, kind, resource, copy.deepcopy(new), copy.deepcopy(old))
        self._history.append(change)
        self._trim()
        for listener in list(self._listeners):
            listener(change)
        return copy.deepcopy(new)

    def _trim(self) -> None:
        while len(self._history) > max(self._history_limit, 0):
            self.compacted = self._history.popleft().version

    def _generated_name(self, resource: ResourceType, namespace: str, metadata: Obj) -> str:
        prefix = metadata.get("generateName")
        if not prefix:
            raise KubeError.invalid(resource.qualified, "", "metadata.name: Required value")
        while True:
            name = f"{prefix}{name_suffix(next(self._names))}"
            if (namespace, name) not in self._objects.get(resource, {}):
                return name


def _content(obj: Obj) -> Obj:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


def _set_or_drop(target: Obj, key: str, value: Any) -> None:
    if value is None:
        target.pop(key, None)
    else:
        target[key] = copy.deepcopy(value)
