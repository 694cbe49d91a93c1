"""The Kubernetes platform: the rollouts' ReplicaSets and Services in a cluster's API.

`KubernetesPlatform(api_client, ...)` implements `rollouts.ports.ReplicaSetPlatform`; errors
are `KubernetesError` (a `PortError` with the HTTP status). The label, annotation and
manifest conventions it shares with Argo Rollouts live in `manifests`.
"""

from __future__ import annotations

from adapters.kubernetes.errors import KubernetesError
from adapters.kubernetes.manifests import (
    DESIRED_REPLICAS,
    EPHEMERAL_METADATA,
    MANAGED_BY,
    POD_TEMPLATE_HASH,
    REVISION,
    ROLLOUT_LABEL,
    ROLLOUT_REF,
)
from adapters.kubernetes.platform import KubernetesPlatform

__all__ = [
    "DESIRED_REPLICAS",
    "EPHEMERAL_METADATA",
    "MANAGED_BY",
    "POD_TEMPLATE_HASH",
    "REVISION",
    "ROLLOUT_LABEL",
    "ROLLOUT_REF",
    "KubernetesError",
    "KubernetesPlatform",
]
