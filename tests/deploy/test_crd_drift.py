"""Every field the pydantic models accept is in the CRD schema (deploy/crds), so a field added
to a model cannot be pruned by the API server, or refused, for want of a CRD change.

The models are walked by the names manifests use (camelCase aliases), into nested models,
lists, maps and unions; a CRD node that keeps unknown fields covers everything below it.
"""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, create_model

from rollouts.spec.analysis import (
    AnalysisTemplate,
    AnalysisTemplateSpec,
    ClusterAnalysisTemplate,
    Metric,
)
from rollouts.spec.rollout import Rollout
from tests.deploy.crd_schema import version_schema
from tests.deploy.manifests import DEPLOY

Schema = dict[str, Any]
MODELS: dict[str, type[BaseModel]] = {
    "rollouts": Rollout,
    "analysistemplates": AnalysisTemplate,
    "clusteranalysistemplates": ClusterAnalysisTemplate,
}
SERVER_OWNED = frozenset({"metadata"})
"""ObjectMeta is the API server's own schema, never the CRD's."""
CONTAINERS = {list: "items", tuple: "items", set: "items", frozenset: "items"}


def crd_schema(plural: str) -> Schema:
    return version_schema(yaml.safe_load((DEPLOY / "crds" / f"{plural}.yaml").read_text()))


def nested(annotation: Any) -> list[tuple[tuple[str, ...], type[BaseModel]]]:
    """The models an annotation holds, each with the CRD keys leading to it from the field's
    node (`items` for a list, `additionalProperties` for a map)."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return nested(args[0])
    if origin in (typing.Union, types.UnionType):
        return [found for arg in args for found in nested(arg)]
    if origin in CONTAINERS:
        inner = [found for arg in args if arg is not Ellipsis for found in nested(arg)]
        return [((CONTAINERS[origin], *keys), model) for keys, model in inner]
    if origin is dict:
        return [(("additionalProperties", *keys), model) for keys, model in nested(args[1])]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [((), annotation)]
    return []


def drift(model: type[BaseModel], node: Schema, path: str, seen: list[str]) -> list[str]:
    """Paths the model accepts that `node` does not describe; `seen` collects every path."""
    if node.get("x-kubernetes-preserve-unknown-fields") and "properties" not in node:
        return []
    properties = node.get("properties", {})
    missing: list[str] = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        if info.exclude or (not path.count(".") and key in SERVER_OWNED):
            continue
        seen.append(f"{path}.{key}")
        if key not in properties:
            missing.append(f"{path}.{key}")
            continue
        for keys, inner in nested(info.annotation):
            child: Any = properties[key]
            for step in keys:
                child = child.get(step) if isinstance(child, dict) else None
            if isinstance(child, dict):
                missing += drift(inner, child, f"{path}.{key}{'[]' * len(keys)}", seen)
            elif not properties[key].get("x-kubernetes-preserve-unknown-fields"):
                missing.append(f"{path}.{key}{'[]' * len(keys)}")
    return missing


@pytest.mark.parametrize("plural", sorted(MODELS))
def test_every_field_the_model_accepts_is_in_the_crd(plural: str) -> None:
    seen: list[str] = []
    model = MODELS[plural]
    assert drift(model, crd_schema(plural), model.__name__, seen) == []
    assert len(seen) > 100, f"the walk reached only {seen}"


def test_a_field_missing_from_the_crd_is_named() -> None:
    """A new field of a nested model (a metric, inside a list) is found and named."""
    extended = create_model("Metric", __base__=Metric, newKnob=(int, 0))
    template = create_model("Spec", __base__=AnalysisTemplateSpec, metrics=(list[extended], []))
    outer = create_model("AnalysisTemplate", __base__=AnalysisTemplate, spec=(template, ...))
    found = drift(outer, crd_schema("analysistemplates"), "AnalysisTemplate", [])
    assert found == ["AnalysisTemplate.spec.metrics[].newKnob"]


def test_crd_files_are_where_the_test_reads_them() -> None:
    assert {path.stem for path in Path(DEPLOY / "crds").glob("*.yaml")} >= set(MODELS)
