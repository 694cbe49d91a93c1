"""A stand-in for the ReplicaSet controller and the kubelet, inside the fake API server.

When a ReplicaSet is created or changed it creates or deletes Pods (labels and annotations of
the pod template, a controller ownerReference to the ReplicaSet) to match `spec.replicas`, then
writes the ReplicaSet's status through the store (so watches see it):
`replicas` (pods that exist), `readyReplicas` (pods ready: `ready_delay` seconds after they
were created), `availableReplicas` (ready for `spec.minReadySeconds * min_ready_scale` more),
`observedGeneration`. Zero counts are omitted, as the real API omits them. Scaling down
deletes not-ready pods first, then the newest. Deleting a ReplicaSet deletes its pods (the
garbage collector's job in a cluster). `hold(ns, name)` keeps that ReplicaSet's pods not
ready (already ready ones turn not ready) until `release(ns, name)`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tests.support.kube_resources import PODS, REPLICASETS
from tests.support.kube_store import Change, Obj, Store

Key = tuple[str, str]
MERGE = "application/merge-patch+json"


class ReplicaSetController:
    def __init__(
        self,
        store: Store,
        *,
        ready_delay: float = 0.05,
        min_ready_scale: float = 1.0,
        enabled: bool = True,
    ) -> None:
        self.store = store
        self.ready_delay = ready_delay
        self.min_ready_scale = min_ready_scale
        self._enabled = enabled
        self._held: set[Key] = set()
        self._ready_at: dict[str, float] = {}
        self._ready_since: dict[str, float] = {}
        self._timers: dict[Key, asyncio.TimerHandle] = {}
        store.subscribe(self._on_change)

    @property
    def enabled(self) -> bool:
        return self._enabled

    @enabled.setter
    def enabled(self, value: bool) -> None:
        self._enabled = value
        if value:
            for rs in self.store.list(REPLICASETS, None):
                self._soon(_key(rs))

    def hold(self, namespace: str, name: str) -> None:
        self._held.add((namespace, name))
        self._soon((namespace, name))

    def release(self, namespace: str, name: str) -> None:
        self._held.discard((namespace, name))
        self._soon((namespace, name))

    def stop(self) -> None:
        self.store.unsubscribe(self._on_change)
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()

    def _on_change(self, change: Change) -> None:
        if self._enabled and change.resource == PODS and change.type == "DELETED":
            self._pod_gone(change.obj)  # evicted (or deleted by hand): replaced
            return
        if not self._enabled or change.resource != REPLICASETS:
            return
        if change.type == "DELETED":
            uid = change.obj["metadata"]["uid"]
            namespace = change.obj["metadata"]["namespace"]
            asyncio.get_running_loop().call_soon(self._delete_pods, namespace, uid)
        else:
            self._soon(_key(change.obj))

    def _pod_gone(self, pod: Obj) -> None:
        refs = pod["metadata"].get("ownerReferences") or []
        owner = next((ref for ref in refs if ref.get("kind") == "ReplicaSet"), None)
        if owner is not None:
            self._ready_at.pop(_uid(pod), None)
            self._ready_since.pop(_uid(pod), None)
            self._soon((pod["metadata"].get("namespace", ""), owner["name"]))

    def _soon(self, key: Key, delay: float = 0.0) -> None:
        loop = asyncio.get_running_loop()
        current = self._timers.get(key)
        if current is not None and current.when() <= loop.time() + delay:
            return
        if current is not None:
            current.cancel()
        self._timers[key] = loop.call_later(delay, self._reconcile, key)

    def _reconcile(self, key: Key) -> None:
        self._timers.pop(key, None)
        rs = self.store.find(REPLICASETS, *key)
        if rs is None or not self._enabled:
            return
        now = asyncio.get_running_loop().time()
        pods = self._resize(rs, self._pods_of(rs), now)
        ready = {_uid(pod) for pod in pods if self._is_ready(key, pod, now)}
        min_ready = float(rs["spec"].get("minReadySeconds", 0)) * self.min_ready_scale
        available = {uid for uid in ready if self._ready_since[uid] + min_ready <= now}
        for pod in pods:
            self._write_pod_status(pod, _uid(pod) in ready)
        self._write_status(rs, len(pods), len(ready), len(available))
        wakeups = [self._ready_at[_uid(p)] for p in pods if _uid(p) not in ready]
        wakeups += [self._ready_since[uid] + min_ready for uid in ready - available]
        if key not in self._held and (future := [t for t in wakeups if t > now]):
            self._soon(key, min(future) - now)

    def _is_ready(self, key: Key, pod: Obj, now: float) -> bool:
        uid = _uid(pod)
        ready = key not in self._held and self._ready_at.setdefault(uid, now) <= now
        if ready:
            self._ready_since.setdefault(uid, now)
        else:
            self._ready_since.pop(uid, None)
        return ready

    def _pods_of(self, rs: Obj) -> list[Obj]:
        uid = _uid(rs)
        return [
            pod
            for pod in self.store.list(PODS, rs["metadata"]["namespace"])
            if any(ref.get("uid") == uid for ref in pod["metadata"].get("ownerReferences", []))
        ]

    def _resize(self, rs: Obj, pods: list[Obj], now: float) -> list[Obj]:
        desired = int(rs["spec"].get("replicas", 1))
        for _ in range(desired - len(pods)):
            pod = self.store.create(PODS, rs["metadata"]["namespace"], _pod(rs), keep_status=True)
            self._ready_at[_uid(pod)] = now + self.ready_delay
            pods.append(pod)
        if len(pods) > desired:
            order = sorted(pods, key=lambda p: (_uid(p) in self._ready_since, -self._created(p)))
            for pod in order[: len(pods) - desired]:
                self._forget_pod(pod)
                pods.remove(pod)
        return pods

    def _write_pod_status(self, pod: Obj, ready: bool) -> None:
        """Pending until first ready; then Running with a Ready condition that follows holds."""
        current = pod.get("status") or {}
        if not ready and not current.get("conditions"):
            return
        condition = {"type": "Ready", "status": "True" if ready else "False"}
        wanted = {"phase": "Running", "conditions": [condition]}
        if current != wanted:
            metadata = pod["metadata"]
            self.store.patch(
                PODS,
                metadata["namespace"],
                metadata["name"],
                MERGE,
                {"status": wanted},
                status=True,
            )

    def _write_status(self, rs: Obj, replicas: int, ready: int, available: int) -> None:
        status: dict[str, Any] = {"replicas": replicas}
        counts = {
            "fullyLabeledReplicas": replicas,
            "readyReplicas": ready,
            "availableReplicas": available,
            "observedGeneration": rs["metadata"]["generation"],
        }
        status.update({name: count for name, count in counts.items() if count})
        if rs.get("status") != status:
            metadata = rs["metadata"]
            body = {**rs, "status": status}
            self.store.replace(
                REPLICASETS, metadata["namespace"], metadata["name"], body, status=True
            )

    def _created(self, pod: Obj) -> float:
        """Creation order: pods are due ready a fixed delay after they are created."""
        return self._ready_at.get(_uid(pod), 0.0)

    def _delete_pods(self, namespace: str, owner_uid: str) -> None:
        for pod in self.store.list(PODS, namespace):
            refs = pod["metadata"].get("ownerReferences", [])
            if any(ref.get("uid") == owner_uid for ref in refs):
                self._forget_pod(pod)

    def _forget_pod(self, pod: Obj) -> None:
        self._ready_at.pop(_uid(pod), None)
        self._ready_since.pop(_uid(pod), None)
        if self.store.find(PODS, pod["metadata"]["namespace"], pod["metadata"]["name"]):
            self.store.delete(PODS, pod["metadata"]["namespace"], pod["metadata"]["name"])


def _pod(rs: Obj) -> Obj:
    template = rs["spec"].get("template") or {}
    template_meta = template.get("metadata") or {}
    owner = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "name": rs["metadata"]["name"],
        "uid": _uid(rs),
        "controller": True,
        "blockOwnerDeletion": True,
    }
    metadata = {
        "generateName": f"{rs['metadata']['name']}-",
        "labels": dict(template_meta.get("labels") or {}),
        "annotations": dict(template_meta.get("annotations") or {}),
        "ownerReferences": [owner],
    }
    return {
        "metadata": metadata,
        "spec": template.get("spec") or {},
        "status": {"phase": "Pending"},
    }


def _key(obj: Obj) -> Key:
    return obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


def _uid(obj: Obj) -> str:
    return str(obj["metadata"]["uid"])
