"""What the ALB router writes on an Ingress, as pure functions (Argo's alb.go and utils/ingress).

Annotation values are JSON exactly as Go's encoding/json writes Argo's structs: compact, fields
in struct order, maps with sorted keys. Header routes add, for a managed route `r`, the
annotations `<prefix>/actions.r` (forward 100% to the canary) and `<prefix>/conditions.r`
(`[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":h,"values":[v,...]}}]`, exact
values only, one condition per header name), and a path `/*` whose backend is `r` with port
`use-annotation` at the front of every rule; paths are then ordered as `managedRoutes` are
(managed routes first, the others after, in their order).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Sequence
from typing import Any

from adapters.traffic.api import Obj
from adapters.traffic.config import Services, int_weight
from adapters.traffic.matches import HeaderMatch
from rollouts.ports import PortError
from rollouts.spec.traffic import ALBTrafficRouting

DEFAULT_PREFIX = "alb.ingress.kubernetes.io"
MANAGED_ANNOTATIONS = "rollouts.argoproj.io/managed-alb-annotations"
MAX_STICKINESS_SECONDS = 604800
EXACT_ONLY = "SetHeaderRoute match value invalid. ALB supports 'exact' value only"


def compact(value: Any, *, sort_keys: bool = False) -> str:
    """JSON as Go's encoding/json writes it: no spaces (maps with sorted keys)."""
    return json.dumps(value, separators=(",", ":"), sort_keys=sort_keys)


def annotation_key(alb: ALBTrafficRouting, kind: str, name: str) -> str:
    """`<prefix>/<kind>.<name>`, kind `actions` or `conditions` (albIngressKubernetesIoKey)."""
    return f"{alb.annotation_prefix or DEFAULT_PREFIX}/{kind}.{name}"


def action_key(alb: ALBTrafficRouting, stable_service: str) -> str:
    """The weight action's key: `<prefix>/actions.<rootService or stableService>`."""
    return annotation_key(alb, "actions", alb.root_service or stable_service)


def forward_action(alb: ALBTrafficRouting, groups: Sequence[tuple[str, int]]) -> str:
    """A forward action to (service, weight) target groups, as Argo's ALBAction marshals."""
    port = str(alb.service_port)
    config: dict[str, Any] = {
        "TargetGroups": [
            {"ServiceName": service, "ServicePort": port, "Weight": weight}
            for service, weight in groups
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


def weight_action(alb: ALBTrafficRouting, services: Services, canary: int) -> str:
    """Canary `canary`, stable `100 - canary`, as Argo's getForwardActionString."""
    return forward_action(alb, [(services.canary, canary), (services.stable, 100 - canary)])


def header_conditions(matches: Iterable[HeaderMatch]) -> str:
    """The conditions of a header route; the values of one header name share a condition."""
    conditions: list[dict[str, Any]] = []
    by_header: dict[str, list[str]] = {}
    for match in matches:
        if match.kind != "exact":
            raise PortError(EXACT_ONLY)
        if match.header in by_header:
            by_header[match.header].append(match.value)
            continue
        by_header[match.header] = [match.value]
        config = {"httpHeaderName": match.header, "values": by_header[match.header]}
        conditions.append({"field": "http-header", "httpHeaderConfig": config})
    return compact(conditions)


def managed_record(
    held: str | None, rollout: str, keys: Iterable[str], *, add: bool, ingress: str
) -> str:
    """The managed-annotations record with `keys` listed (add) or dropped under `rollout`
    (Argo's modifyManagedAnnotation); a record that is not Argo's JSON is an error."""
    try:
        record = json.loads(held) if held else {}
    except json.JSONDecodeError:
        record = None
    if not isinstance(record, dict):
        raise PortError(f"Ingress `{ingress}`: annotation {MANAGED_ANNOTATIONS} is not valid JSON")
    listed = list(record.get(rollout) or [])
    for key in keys:
        if add and key not in listed:
            listed.append(key)
        elif not add:
            listed = [item for item in listed if item != key]
    record[rollout] = listed
    return compact(record, sort_keys=True)


def has_rule_with_service(ingress: Obj, service: str) -> bool:
    return any(_backend(path) == service for path in _all_paths(ingress.get("spec") or {}))


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


def with_action_path(rules: list[Obj], action: str) -> list[Obj]:
    """Argo's CreateAnnotationBasedPath: `/*` to `action` first in every rule, unless one
    rule already routes to it."""
    if any(_backend(path) == action for path in _all_paths({"rules": rules})):
        return rules
    backend = {"service": {"name": action, "port": {"name": "use-annotation"}}}
    path = {"path": "/*", "pathType": "ImplementationSpecific", "backend": backend}
    changed = copy.deepcopy(rules)
    for rule in changed:
        if isinstance(rule.get("http"), dict):
            rule["http"]["paths"] = [copy.deepcopy(path), *(rule["http"].get("paths") or [])]
    return changed


def without_action_path(rules: list[Obj], action: str) -> list[Obj]:
    """Argo's RemovePathByServiceName: the first path to `action` leaves every rule."""
    changed = copy.deepcopy(rules)
    for rule in changed:
        paths = (rule.get("http") or {}).get("paths") or []
        for index, path in enumerate(paths):
            if _backend(path) == action:
                del paths[index]
                break
    return changed


def sorted_paths(rules: list[Obj], managed: Sequence[str]) -> list[Obj]:
    """Argo's SortHttpPaths: managed routes' paths in `managedRoutes` order, then the rest."""
    rank = {name: index for index, name in enumerate(managed)}
    changed = copy.deepcopy(rules)
    for rule in changed:
        http = rule.get("http")
        if isinstance(http, dict) and http.get("paths"):
            http["paths"] = sorted(
                http["paths"], key=lambda path: rank.get(_backend(path) or "", len(rank))
            )
    return changed


def _all_paths(spec: Obj) -> list[Obj]:
    return [
        path
        for rule in spec.get("rules") or []
        for path in (rule.get("http") or {}).get("paths") or []
    ]


def _backend(path: Obj) -> str | None:
    name = ((path.get("backend") or {}).get("service") or {}).get("name")
    return name if isinstance(name, str) else None
