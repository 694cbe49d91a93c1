"""Small builders for templates and Rollout analysis requests, shaped like Argo's test fixtures."""

from __future__ import annotations

from typing import Any

from rollouts.analysis.runspec.build import ResolvedRun, resolve_run
from rollouts.analysis.runspec.merge import AnyTemplate, TemplateKey
from rollouts.spec import AnalysisTemplate, ClusterAnalysisTemplate, RolloutAnalysis

WEB = {"web": {"url": "http://metrics.local/x"}}


def metric(name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "provider": WEB, **fields}


def refs(*names: str, cluster: bool = False) -> list[dict[str, Any]]:
    return [{"templateName": name, "clusterScope": cluster} for name in names]


def template(name: str, *, cluster: bool = False, **spec: Any) -> AnyTemplate:
    """A template; `metrics` default to one named `example-<name>` as in Argo's fixtures."""
    spec.setdefault("metrics", [metric(f"example-{name}")])
    document = {"metadata": {"name": name}, "spec": spec}
    if cluster:
        return ClusterAnalysisTemplate.model_validate(document)
    return AnalysisTemplate.model_validate(document)


def library(*templates: AnyTemplate) -> dict[TemplateKey, AnyTemplate]:
    return {(t.kind, t.name): t for t in templates}


def analysis(*template_refs: dict[str, Any], **fields: Any) -> RolloutAnalysis:
    return RolloutAnalysis.model_validate({"templates": list(template_refs), **fields})


def resolve(
    request: RolloutAnalysis,
    templates: dict[TemplateKey, AnyTemplate],
    manifest: dict[str, Any] | None = None,
) -> ResolvedRun:
    return resolve_run(
        request,
        templates,
        rollout_manifest=manifest or {},
        stable_hash="abcdef",
        latest_hash="123456",
    )


def metric_names(run: ResolvedRun) -> list[str]:
    return [str(m["name"]) for m in run.metrics]
