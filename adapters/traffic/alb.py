"""AWS ALB: the AWS Load Balancer Controller's `actions.<service>` annotation (Argo's ALB router).

For each Ingress (`ingresses`, else `ingress`) the router writes, on the Ingress itself, the
annotation `<annotationPrefix>/actions.<rootService or stableService>` holding a forward action
exactly as Argo marshals it (compact JSON, fields in Argo's order):

    {"Type":"forward","ForwardConfig":{"TargetGroups":[
        {"ServiceName":"<canary>","ServicePort":"<port>","Weight":<w>},
        {"ServiceName":"<stable>","ServicePort":"<port>","Weight":<100-w>}]}}

(100 - w, as Argo writes it, whatever maxTrafficWeight says: Argo refuses that field with ALB.)

with `"TargetGroupStickinessConfig":{"Enabled":true,"DurationSeconds":<s>}` added to
ForwardConfig when stickiness is enabled, and records the key in
`rollouts.argoproj.io/managed-alb-annotations` (`{"<rollout>":["<key>"]}`, other rollouts'
entries kept). The Ingress must already route to that service (`use-annotation` backend).
The change is a merge patch of the annotations, conditional on the resourceVersion read, so a
concurrent writer makes it read again (`retry_on_conflict`) instead of losing an entry.

Verification reads the annotation back. Argo instead verifies against the AWS target groups
(off by default, `--aws-verify-target-group`); that needs AWS credentials and is out of scope here.
Header routes (the `conditions.*` annotations) are not implemented: validation refuses
`setHeaderRoute` with ALB.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from adapters.traffic.api import INGRESS, Obj, ObjectClient
from adapters.traffic.config import Services, int_weight, need_services, services_of
from rollouts.ports import PortError, RolloutRef, WeightRequest
from rollouts.spec.traffic import ALBTrafficRouting, TrafficRouting

DEFAULT_PREFIX = "alb.ingress.kubernetes.io"
MANAGED_ANNOTATIONS = "rollouts.argoproj.io/managed-alb-annotations"
MAX_STICKINESS_SECONDS = 604800


def action_key(alb: ALBTrafficRouting, stable_service: str) -> str:
    """`<prefix>/actions.<rootService or stableService>` (Argo's ALBActionAnnotationKey)."""
    prefix = alb.annotation_prefix or DEFAULT_PREFIX
    return f"{prefix}/actions.{alb.root_service or stable_service}"


def forward_action(alb: ALBTrafficRouting, services: Services, canary: int, stable: int) -> str:
    """The forward action, byte for byte as Argo's getForwardActionString writes it."""
    port = str(alb.service_port)
    config: dict[str, Any] = {
        "TargetGroups": [
            {"ServiceName": services.canary, "ServicePort": port, "Weight": canary},
            {"ServiceName": services.stable, "ServicePort": port, "Weight": stable},
        ]
    }
    sticky = alb.stickiness_config
    if sticky is not None and sticky.enabled:
        if not 1 <= sticky.duration_seconds <= MAX_STICKINESS_SECONDS:
            raise PortError(
                "TargetGroupStickinessConfig's duration must be between 1 and 604800 seconds "
                "(7 days)!"
            )
        config["TargetGroupStickinessConfig"] = {
            "Enabled": True,
            "DurationSeconds": sticky.duration_seconds,
        }
    return compact({"Type": "forward", "ForwardConfig": config})


def compact(value: Any, *, sort_keys: bool = False) -> str:
    """JSON as Go's encoding/json writes it: no spaces (maps with sorted keys)."""
    return json.dumps(value, separators=(",", ":"), sort_keys=sort_keys)


def managed_annotations(held: str | None, rollout: str, key: str, ingress: str) -> str:
    """The managed-annotations record with `key` listed under `rollout` (Argo's
    modifyManagedAnnotation with add=true); a record that is not Argo's JSON is an error."""
    try:
        managed = json.loads(held) if held else {}
    except json.JSONDecodeError:
        managed = None
    if not isinstance(managed, dict):
        raise PortError(f"Ingress `{ingress}`: annotation {MANAGED_ANNOTATIONS} is not valid JSON")
    keys = list(managed.get(rollout) or [])
    if key not in keys:
        keys.append(key)
    managed[rollout] = keys
    return compact(managed, sort_keys=True)


def has_rule_with_service(ingress: Obj, service: str) -> bool:
    for rule in (ingress.get("spec") or {}).get("rules") or []:
        for path in (rule.get("http") or {}).get("paths") or []:
            if ((path.get("backend") or {}).get("service") or {}).get("name") == service:
                return True
    return False


def held_weights(ingress: Obj | None, key: str, services: Services) -> tuple[int | None, ...]:
    """(canary, stable) weights of the forward action the Ingress holds; None where absent."""
    annotations = ((ingress or {}).get("metadata") or {}).get("annotations") or {}
    try:
        action = json.loads(annotations.get(key) or "null")
    except json.JSONDecodeError:
        return (None, None)
    config = action.get("ForwardConfig") if isinstance(action, dict) else None
    groups = config.get("TargetGroups") if isinstance(config, dict) else None
    found: dict[str, int | None] = {}
    for group in groups if isinstance(groups, list) else []:
        if isinstance(group, dict):
            found.setdefault(str(group.get("ServiceName")), int_weight(group.get("Weight")))
    return (found.get(services.canary), found.get(services.stable))


class AlbRouter:
    def __init__(self, objects: ObjectClient) -> None:
        self._objects = objects

    async def set_weight(self, request: WeightRequest, routing: TrafficRouting) -> None:
        alb = _alb(routing)
        need_services(request.rollout, services_of(request), "ALB")
        for name in alb.all_ingresses:
            await self._objects.retrying(
                f"set the ALB action of Ingress {request.rollout.namespace}/{name}",
                functools.partial(self._apply, request, alb, name),
            )

    async def verify_weight(self, request: WeightRequest, routing: TrafficRouting) -> bool:
        alb, services = _alb(routing), services_of(request)
        wanted = (request.canary_weight, 100 - request.canary_weight)
        for name in alb.all_ingresses:
            if await self._held(request.rollout, alb, name, services) != wanted:
                return False
        return True

    async def read_weight(self, request: WeightRequest, routing: TrafficRouting) -> int | None:
        alb, services = _alb(routing), services_of(request)
        return (await self._held(request.rollout, alb, alb.all_ingresses[0], services))[0]

    async def _held(
        self, rollout: RolloutRef, alb: ALBTrafficRouting, name: str, services: Services
    ) -> tuple[int | None, ...]:
        found = await self._objects.read(INGRESS, rollout.namespace, name)
        return held_weights(found, action_key(alb, services.stable), services)

    async def _apply(self, request: WeightRequest, alb: ALBTrafficRouting, name: str) -> None:
        rollout, services = request.rollout, services_of(request)
        ingress = await self._objects.require(INGRESS, rollout.namespace, name, rollout)
        action_service = alb.root_service or services.stable
        if not has_rule_with_service(ingress, action_service):
            raise PortError(f"ingress `{name}` does not have service `{action_service}` in rules")
        key = action_key(alb, services.stable)
        metadata = ingress.get("metadata") or {}
        held = metadata.get("annotations") or {}
        wanted = {
            key: forward_action(alb, services, request.canary_weight, 100 - request.canary_weight),
            MANAGED_ANNOTATIONS: managed_annotations(
                held.get(MANAGED_ANNOTATIONS), rollout.name, key, name
            ),
        }
        changed = {k: v for k, v in wanted.items() if held.get(k) != v}
        if not changed:
            return
        version = metadata.get("resourceVersion")
        patch: Obj = {"metadata": {"annotations": changed}}
        if version:
            patch["metadata"]["resourceVersion"] = version
        await self._objects.patch(INGRESS, rollout.namespace, name, patch)


def _alb(routing: TrafficRouting) -> ALBTrafficRouting:
    if routing.alb is None or not routing.alb.all_ingresses:
        raise PortError("trafficRouting.alb names no ingress")
    return routing.alb
