"""The Eviction subresource of pods (policy/v1), for restarts (`spec.restartAt`).

`POST .../pods/<name>/eviction` deletes the pod at once (no grace period is modelled, so an
evicted pod is never seen terminating) and answers a `Status` of Success; a missing pod is a
404, as on a cluster. PodDisruptionBudgets are not modelled: a test makes the API refuse as a
budget would with `fail_next(429, verbs={"create"}, resource="pods", subresource="eviction")`.
The ReplicaSet stand-in notices the deletion and creates a replacement.
"""

from __future__ import annotations

from tests.support.kube_resources import PODS
from tests.support.kube_store import Obj, Store


def evict_pod(store: Store, namespace: str, name: str) -> Obj:
    store.delete(PODS, namespace, name)  # a KubeError 404 when there is no such pod
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}
