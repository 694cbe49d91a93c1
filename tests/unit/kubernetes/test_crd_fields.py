"""Every field the spec models accept has a place in the CRD schemas (deploy/crds/*.yaml).

The CRDs are written by hand (deploy/crds/crdgen) beside the pydantic models. A field added to
a model but not to the CRD would be pruned by the API server (or refused by kubectl's strict
field validation) before the controller ever saw it: the feature would work from `rollouts
apply` and silently not on a cluster. This walks each model's fields (by their camelCase wire
name) alongside the CRD schema and lists every path the schema does not carry. Fields the models
refuse by name (`Unsupported`) are skipped: they are not accepted. Below an
`x-kubernetes-preserve-unknown-fields` node anything is kept, so the walk stops there.
"""

from __future__ import annotations

import copy
import types
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from rollouts.spec import AnalysisTemplate, ClusterAnalysisTemplate, Rollout
from rollouts.spec.base import Unsupported

CRD_DIR = Path(__file__).resolve().parents[3] / "deploy" / "crds"
MODELS: dict[str, type[BaseModel]] = {
    "Rollout": Rollout,
    "AnalysisTemplate": AnalysisTemplate,
    "ClusterAnalysisTemplate": ClusterAnalysisTemplate,
}
SERVER_OWNED = {("metadata",), ("status",)}
"""The API server handles `metadata` itself; `status` is the controller's, not the user's."""
REFUSED = typing.get_args(Unsupported)[1:]


def crd_schemas() -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted(CRD_DIR.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                version = next(v for v in doc["spec"]["versions"] if v.get("storage"))
                found[doc["spec"]["names"]["kind"]] = version["schema"]["openAPIV3Schema"]
    return found


def wire_name(name: str, field: FieldInfo) -> str:
    alias = field.validation_alias if isinstance(field.validation_alias, str) else None
    return alias or field.alias or name


def refused(field: FieldInfo) -> bool:
    return any(item in REFUSED for item in field.metadata)


def missing(model: type[BaseModel], node: dict[str, Any], path: tuple[str, ...]) -> list[str]:
    """The wire paths of `model`'s fields (recursively) that `node` does not declare."""
    if node.get("x-kubernetes-preserve-unknown-fields"):
        return []
    properties = node.get("properties") or {}
    problems = []
    for name, field in model.model_fields.items():
        key = wire_name(name, field)
        where = (*path, key)
        if refused(field) or where in SERVER_OWNED:
            continue
        if key not in properties:
            problems.append(".".join(where))
            continue
        problems += missing_in(field.annotation, properties[key], where)
    return problems


def missing_in(annotation: Any, node: dict[str, Any], path: tuple[str, ...]) -> list[str]:
    """`missing` for any annotation: models, their unions, sequences and maps of them."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return missing(annotation, node, path)
    if origin is typing.Annotated:
        return missing_in(args[0], node, path)
    if origin in (typing.Union, types.UnionType):
        return [p for arg in args for p in missing_in(arg, node, path)]
    if origin in (tuple, list, set, frozenset) and args:
        if node.get("x-kubernetes-preserve-unknown-fields"):
            return []
        return [
            p
            for arg in args
            if arg is not Ellipsis
            for p in missing_in(arg, node.get("items") or {}, (*path, "[]"))
        ]
    if origin is dict and args:
        values = node.get("additionalProperties")
        if node.get("x-kubernetes-preserve-unknown-fields") or not isinstance(values, dict):
            return []
        return missing_in(args[1], values, (*path, "*"))
    return []


CRDS = crd_schemas()


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_every_accepted_field_is_in_the_crd(kind: str) -> None:
    assert missing(MODELS[kind], CRDS[kind], ()) == []


def test_the_walk_finds_a_field_the_crd_lacks() -> None:
    class Inner(BaseModel):
        kept: int = 0
        new_field: int = 0

    class Outer(BaseModel):
        items: tuple[Inner, ...] = ()
        by_name: dict[str, Inner] = {}

    inner = {"type": "object", "properties": {"kept": {"type": "integer"}}}
    schema = {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": inner},
            "by_name": {"type": "object", "additionalProperties": inner},
        },
    }
    assert missing(Outer, schema, ()) == ["items.[].new_field", "by_name.*.new_field"]


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("Rollout", "spec.strategy.canary.steps.[].setWeight"),
        ("Rollout", "spec.strategy.canary.trafficRouting.istio.virtualService.routes"),
        ("AnalysisTemplate", "spec.metrics.[].provider.prometheus.query"),
        ("ClusterAnalysisTemplate", "spec.args.[].valueFrom.secretKeyRef.key"),
    ],
)
def test_a_field_dropped_from_the_real_crd_is_found(kind: str, path: str) -> None:
    """The walk reaches deep into the real models (through unions, steps and providers)."""
    schema = copy.deepcopy(CRDS[kind])
    node = schema
    *parents, leaf = path.split(".")
    for part in parents:
        node = node["items"] if part == "[]" else node["properties"][part]
    del node["properties"][leaf]
    assert missing(MODELS[kind], schema, ()) == [path]
