"""HTTPRoute rules as the `argoproj-labs/gatewayAPI` plugin writes them. Pure.

Weights: in every rule that is not a managed header rule, the backendRef named after the canary
Service gets `w` and the one named after the stable Service the rest; a route holding neither
is an error. While the canary gets traffic the route carries the label
`rollouts.argoproj.io/gatewayapi-canary: in-progress` (removed at weight 0).

Header routes: for every rule holding both Services, a rule named after the step (`name`,
then `name-1`, `name-2`... for the next ones) with the rule's matches plus the step's headers,
the rule's filters, and the canary Service as its only backend, appended after the others.
A managed rule is one so named, or (as rules of older plugin versions have no name) one whose
only backend is the canary Service.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from typing import Any

from adapters.traffic.api import Obj
from adapters.traffic.config import Services, int_weight
from adapters.traffic.matches import HeaderMatch
from rollouts.ports import PortError

IN_PROGRESS_LABEL = "rollouts.argoproj.io/gatewayapi-canary"
IN_PROGRESS = "in-progress"


def is_managed_name(rule_name: str, managed: Sequence[str]) -> bool:
    for base in managed:
        suffix = rule_name.removeprefix(base + "-")
        if rule_name == base or (suffix != rule_name and suffix.isdigit()):
            return True
    return False


def is_managed(rule: Obj, managed: Sequence[str], canary: str) -> bool:
    refs = rule.get("backendRefs") or []
    only_canary = len(refs) == 1 and refs[0].get("name") == canary
    return is_managed_name(str(rule.get("name") or ""), managed) or only_canary


def weighted(
    route: Obj, services: Services, canary: int, stable: int, managed: Sequence[str]
) -> Obj:
    updated = copy.deepcopy(route)
    found: set[str] = set()
    for rule in (updated.get("spec") or {}).get("rules") or []:
        if is_managed(rule, managed, services.canary):
            continue
        for ref in rule.get("backendRefs") or []:
            if ref.get("name") == services.canary:
                ref["weight"], found = canary, found | {"canary"}
            elif ref.get("name") == services.stable:
                ref["weight"], found = stable, found | {"stable"}
    if found != {"canary", "stable"}:
        name = (route.get("metadata") or {}).get("name", "")
        raise PortError(f"HTTPRoute {name}: backendRef was not found in httpRoute")
    metadata = updated.setdefault("metadata", {})
    labels = dict(metadata.get("labels") or {})
    if canary > 0:
        labels[IN_PROGRESS_LABEL] = IN_PROGRESS
    else:
        labels.pop(IN_PROGRESS_LABEL, None)
    metadata["labels"] = labels
    if not labels:
        metadata.pop("labels")
    return updated


def holds(route: Obj, services: Services, canary: int, stable: int, managed: Sequence[str]) -> bool:
    wanted = {services.canary: canary, services.stable: stable}
    held = [
        (ref.get("name"), int_weight(ref.get("weight")))
        for rule in (route.get("spec") or {}).get("rules") or []
        if not is_managed(rule, managed, services.canary)
        for ref in rule.get("backendRefs") or []
        if ref.get("name") in wanted
    ]
    return bool(held) and all(weight == wanted[name] for name, weight in held)


def canary_weight(route: Obj, services: Services, managed: Sequence[str]) -> int | None:
    for rule in (route.get("spec") or {}).get("rules") or []:
        if is_managed(rule, managed, services.canary):
            continue
        for ref in rule.get("backendRefs") or []:
            if ref.get("name") == services.canary:
                return int_weight(ref.get("weight"))
    return None


def header_match(match: HeaderMatch) -> Obj:
    if match.kind == "exact":
        return {"name": match.header, "type": "Exact", "value": match.value}
    value = re.escape(match.value) + ".*" if match.kind == "prefix" else match.value
    return {"name": match.header, "type": "RegularExpression", "value": value}


def header_rules(
    route: Obj, name: str, matches: Sequence[HeaderMatch], services: Services
) -> list[Obj]:
    headers = [header_match(match) for match in matches]
    rules: list[Obj] = []
    for rule in (route.get("spec") or {}).get("rules") or []:
        refs = {ref.get("name"): ref for ref in rule.get("backendRefs") or []}
        if services.canary not in refs or services.stable not in refs:
            continue
        backend: Obj = {"group": "", "kind": "Service", "name": services.canary}
        if refs[services.canary].get("port") is not None:
            backend["port"] = refs[services.canary]["port"]
        rules.append({
            "name": name if not rules else f"{name}-{len(rules)}",
            "matches": _merged(rule.get("matches") or [], headers),
            "filters": copy.deepcopy(rule.get("filters") or []),
            "backendRefs": [backend],
        })  # fmt: skip
    if not rules:
        where = (route.get("metadata") or {}).get("name", "")
        raise PortError(f"HTTPRoute {where}: backendRef was not found in httpRoute")
    return rules


def _merged(matches: Sequence[Obj], headers: list[Obj]) -> list[Obj]:
    if not matches:
        return [{"headers": copy.deepcopy(headers)}]
    merged = []
    for match in matches:
        entry: dict[str, Any] = {
            key: copy.deepcopy(match[key])
            for key in ("path", "queryParams", "method")
            if match.get(key) is not None
        }
        entry["headers"] = copy.deepcopy(match.get("headers") or []) + copy.deepcopy(headers)
        merged.append(entry)
    return merged


def with_rules(route: Obj, rules: list[Obj]) -> Obj:
    return {**route, "spec": {**(route.get("spec") or {}), "rules": rules}}
