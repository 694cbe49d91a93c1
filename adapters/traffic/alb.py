"""AWS ALB: the AWS Load Balancer Controller's `actions.<service>` annotation (Argo's ALB router).

For each Ingress (`ingresses`, else `ingress`) the router writes, on the Ingress itself, the
annotation `<annotationPrefix>/actions.<rootService or stableService>` holding a forward action
exactly as Argo marshals it (compact JSON, fields in Argo's order):

    {"Type":"forward","ForwardConfig":{"TargetGroups":[
        {"ServiceName":"<canary>","ServicePort":"<port>","Weight":<w>},
        {"ServiceName":"<stable>","ServicePort":"<port>","Weight":<100-w>}]}}

with `"TargetGroupStickinessConfig":{"Enabled":true,"DurationSeconds":<s>}` added to
ForwardConfig when stickiness is enabled (the stable gets 100 - w as in Argo, which refuses
maxTrafficWeight with ALB), and records the key in
`rollouts.argoproj.io/managed-alb-annotations` (`{"<rollout>":["<key>"]}`, other rollouts'
entries kept). The Ingress must already route to that service (`use-annotation` backend).
The change is a merge patch of the annotations, conditional on the resourceVersion read, so a
concurrent writer makes it read again (`retry_on_conflict`) instead of losing an entry.

Header routes (`setHeaderRoute`) and their removal are Argo's too (see `alb_actions`). The
Ingress is read, the annotations and paths wanted computed from it, and only what differs is
sent. Verification reads the annotation back. Argo instead verifies against the AWS target
groups (off by default, `--aws-verify-target-group`); that needs AWS credentials and is out of
scope here, so `status.alb` is not filled either.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from adapters.traffic.alb_actions import (
    MANAGED_ANNOTATIONS,
    action_key,
    annotation_key,
    forward_action,
    has_rule_with_service,
    header_conditions,
    held_weights,
    managed_record,
    sorted_paths,
    weight_action,
    with_action_path,
    without_action_path,
)
from adapters.traffic.api import INGRESS, Obj, ObjectClient
from adapters.traffic.config import Services, need_services, services_of
from adapters.traffic.matches import header_matches
from rollouts.ports import ManagedRoute, PortError, RolloutRef, WeightRequest
from rollouts.spec.traffic import ALBTrafficRouting, TrafficRouting

Wanted = tuple[dict[str, str | None], list[Obj] | None]
"""Annotations to set (None: remove) and the rules wanted (None: leave the spec alone)."""
Build = Callable[[Obj], Wanted]


class AlbRouter:
    def __init__(self, objects: ObjectClient) -> None:
        self._objects = objects

    async def set_weight(self, request: WeightRequest, routing: TrafficRouting) -> None:
        alb, services, rollout = _alb(routing), services_of(request), request.rollout
        need_services(rollout, services, "ALB")
        key = action_key(alb, services.stable)
        action_service = alb.root_service or services.stable

        def build(ingress: Obj) -> Wanted:
            name = ingress["metadata"]["name"]
            if not has_rule_with_service(ingress, action_service):
                raise PortError(
                    f"ingress `{name}` does not have service `{action_service}` in rules"
                )
            action = weight_action(alb, services, request.canary_weight)
            return _managed(ingress, rollout, {key: action}, add=True), None

        await self._edit_all(rollout, alb, "set the ALB action", build)

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

    async def set_route(
        self, route: ManagedRoute, routing: TrafficRouting, services: Services
    ) -> None:
        """A header route (Argo's SetHeaderRoute); mirror routes do not exist on ALB."""
        if route.kind != "header":
            return
        alb, matches, managed = _alb(routing), header_matches(route), routing.managed_route_names
        keys = (
            annotation_key(alb, "actions", route.name),
            annotation_key(alb, "conditions", route.name),
        )
        if matches:
            conditions = header_conditions(matches)
            need_services(route.rollout, services, "ALB")
            action = forward_action(alb, [(services.canary, 100)])
            values: dict[str, str | None] = {keys[0]: action, keys[1]: conditions}
        else:
            values = dict.fromkeys(keys)

        def build(ingress: Obj) -> Wanted:
            rules = (ingress.get("spec") or {}).get("rules") or []
            if matches:
                rules = with_action_path(rules, route.name)
            elif has_rule_with_service(ingress, route.name):
                rules = without_action_path(rules, route.name)
            rules = sorted_paths(rules, managed)
            return _managed(ingress, route.rollout, values, add=bool(matches)), rules

        await self._edit_all(route.rollout, alb, f"set header route {route.name!r} on", build)

    async def remove_managed_routes(self, rollout: RolloutRef, routing: TrafficRouting) -> None:
        """Every managed route's annotations and path (Argo's RemoveManagedRoutes)."""
        alb, managed = _alb(routing), routing.managed_route_names
        if not managed:
            return
        values: dict[str, str | None] = {
            annotation_key(alb, kind, name): None
            for name in managed
            for kind in ("actions", "conditions")
        }

        def build(ingress: Obj) -> Wanted:
            rules = (ingress.get("spec") or {}).get("rules") or []
            for name in managed:
                rules = without_action_path(rules, name)
            return _managed(ingress, rollout, values, add=False), rules

        for name in alb.all_ingresses:
            if await self._objects.read(INGRESS, rollout.namespace, name) is not None:
                await self._edit(rollout, name, "remove managed routes from", build)

    async def _held(
        self, rollout: RolloutRef, alb: ALBTrafficRouting, name: str, services: Services
    ) -> tuple[int | None, ...]:
        found = await self._objects.read(INGRESS, rollout.namespace, name)
        return held_weights(found, action_key(alb, services.stable), services)

    async def _edit_all(
        self, rollout: RolloutRef, alb: ALBTrafficRouting, what: str, build: Build
    ) -> None:
        for name in alb.all_ingresses:
            await self._edit(rollout, name, what, build)

    async def _edit(self, rollout: RolloutRef, name: str, what: str, build: Build) -> None:
        where = f"{what} Ingress {rollout.namespace}/{name}"
        await self._objects.retrying(where, functools.partial(self._patch, rollout, name, build))

    async def _patch(self, rollout: RolloutRef, name: str, build: Build) -> None:
        """One read and, if anything differs, one merge patch conditional on what was read."""
        ingress = await self._objects.require(INGRESS, rollout.namespace, name, rollout)
        annotations, rules = build(ingress)
        metadata = ingress.get("metadata") or {}
        held = metadata.get("annotations") or {}
        changed = {
            key: value
            for key, value in annotations.items()
            if held.get(key) != value and (value is not None or key in held)
        }
        patch: Obj = {}
        if changed:
            patch["metadata"] = {"annotations": changed}
        if rules is not None and rules != ((ingress.get("spec") or {}).get("rules") or []):
            patch["spec"] = {"rules": rules}
        if not patch:
            return
        version = metadata.get("resourceVersion")
        if version:
            patch.setdefault("metadata", {})["resourceVersion"] = version
        await self._objects.patch(INGRESS, rollout.namespace, name, patch)


def _managed(
    ingress: Obj, rollout: RolloutRef, values: dict[str, str | None], *, add: bool
) -> dict[str, str | None]:
    """`values` with the managed-annotations record listing (or dropping) their keys."""
    held = ((ingress.get("metadata") or {}).get("annotations") or {}).get(MANAGED_ANNOTATIONS)
    name = (ingress.get("metadata") or {}).get("name", "")
    record = managed_record(held, rollout.name, list(values), add=add, ingress=name)
    return {**values, MANAGED_ANNOTATIONS: record}


def _alb(routing: TrafficRouting) -> ALBTrafficRouting:
    if routing.alb is None or not routing.alb.all_ingresses:
        raise PortError("trafficRouting.alb names no ingress")
    return routing.alb
