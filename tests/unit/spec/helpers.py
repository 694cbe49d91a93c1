"""Small builders for manifests in tests: a valid base document plus dotted-path overrides."""

from __future__ import annotations

import copy
from typing import Any

from rollouts.spec import SpecObject, SpecProblem, parse_object

DELETE = object()


def base_rollout(strategy: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "demo", "namespace": "prod"},
        "spec": {
            "replicas": 4,
            "selector": {"matchLabels": {"app": "demo"}},
            "template": {
                "metadata": {"labels": {"app": "demo"}},
                "spec": {"containers": [{"name": "demo", "image": "demo:1"}]},
            },
            "strategy": strategy if strategy is not None else {"canary": {"steps": []}},
        },
    }


def base_template(
    metrics: list[dict[str, Any]] | None = None, kind: str = "AnalysisTemplate"
) -> dict[str, Any]:
    metric = {
        "name": "error-rate",
        "interval": "1m",
        "count": 5,
        "successCondition": "result[0] < 0.01",
        "provider": {"prometheus": {"address": "http://prom:9090", "query": "up"}},
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": kind,
        "metadata": {"name": "rate"},
        "spec": {"metrics": metrics if metrics is not None else [metric]},
    }


def with_fields(doc: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Copy `doc` and set (or, with DELETE, remove) each dotted path; `steps.0` indexes lists."""
    result = copy.deepcopy(doc)
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        node: Any = result
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        if isinstance(node, list):
            node[int(last)] = value
        elif value is DELETE:
            node.pop(last, None)
        else:
            node[last] = value
    return result


def parse(doc: Any) -> tuple[SpecObject | None, tuple[SpecProblem, ...]]:
    return parse_object(doc)


def errors_of(doc: Any) -> list[tuple[str, str]]:
    _, problems = parse_object(doc)
    return [(p.path, p.message) for p in problems if p.is_error]


def warnings_of(doc: Any) -> list[tuple[str, str]]:
    _, problems = parse_object(doc)
    return [(p.path, p.message) for p in problems if not p.is_error]


def has_problem(found: list[tuple[str, str]], path: str, fragment: str) -> bool:
    return any(p == path and fragment in m for p, m in found)


C = "spec.strategy.canary"
ISTIO_HOST: dict[str, Any] = {"istio": {"virtualService": {"name": "vs", "routes": ["primary"]}}}
ISTIO_SUBSET: dict[str, Any] = {
    "istio": {
        "virtualService": {"name": "vs"},
        "destinationRule": {
            "name": "dr",
            "canarySubsetName": "canary",
            "stableSubsetName": "stable",
        },
    }
}
GATEWAY: dict[str, Any] = {"plugins": {"argoproj-labs/gatewayAPI": {"httpRoute": "web"}}}


def canary(**fields: Any) -> dict[str, Any]:
    """A canary Rollout with canary and stable Services, plus the given strategy fields."""
    strategy: dict[str, Any] = {"canaryService": "canary", "stableService": "stable"}
    strategy.update(fields)
    return base_rollout({"canary": strategy})


def routed(routing: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return canary(trafficRouting=routing, **fields)
