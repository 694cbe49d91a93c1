"""What every router needs from a request: the parsed `trafficRouting` block and the services.

The port hands routers the block as the manifest's camelCase dict; parsing it again with the
spec models gives typed access and the same defaults as validation. Ownership of the objects a
router creates (the NGINX canary Ingress, the SMI TrafficSplit) is proven by the
`argo-rollouts.argoproj.io/managed-by-rollouts` annotation, or, as Argo does, by a controller
reference to the Rollout object.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters.kubernetes.manifests import MANAGED_BY, Owner
from adapters.traffic.api import Obj
from rollouts.ports import PortError, RolloutRef, WeightRequest


@dataclass(frozen=True, slots=True)
class Services:
    canary: str = ""
    stable: str = ""


def check_weights(request: WeightRequest) -> None:
    for weight in (request.canary_weight, request.stable_weight):
        if weight < 0:
            raise PortError(f"{request.rollout}: weights must not be negative: {weight}")


def services_of(request: WeightRequest) -> Services:
    return Services(request.canary_service, request.stable_service)


def need_services(rollout: RolloutRef, services: Services, router: str) -> None:
    if not services.canary or not services.stable:
        raise PortError(
            f"rollout {rollout}: the {router} router needs both canaryService and stableService"
        )


def owned_by(obj: Obj, rollout: RolloutRef) -> bool:
    metadata = obj.get("metadata") or {}
    if (metadata.get("annotations") or {}).get(MANAGED_BY) == rollout.name:
        return True
    return any(
        ref.get("controller") and ref.get("kind") == "Rollout" and ref.get("name") == rollout.name
        for ref in metadata.get("ownerReferences") or []
    )


def owned_metadata(name: str, namespace: str, rollout: RolloutRef, owner: Owner | None) -> Obj:
    metadata: Obj = {
        "name": name,
        "namespace": namespace,
        "annotations": {MANAGED_BY: rollout.name},
    }
    if owner is not None:
        metadata["ownerReferences"] = [owner.reference()]
    return metadata


def int_weight(value: Any) -> int | None:
    """A weight as written by whoever wrote it: 5, 5.0, "5" (SMI v1alpha1 quantities)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value))
        except ValueError:
            return None
    return None
