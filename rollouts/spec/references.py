"""Checks across objects: do the templates a Rollout names exist, and can they run there?

A missing template is only a warning (it may already live in the cluster). A step or
blue-green analysis whose metric would measure forever is an error, as in Argo's reference
validation: such a step could never complete.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rollouts.spec.analysis import AnalysisTemplate, ClusterAnalysisTemplate, literal_int
from rollouts.spec.analysis_refs import AnalysisTemplateRef, RolloutAnalysis
from rollouts.spec.problems import ProblemList, SpecProblem, join_path
from rollouts.spec.rollout import Rollout

SpecObject = Rollout | AnalysisTemplate | ClusterAnalysisTemplate
Template = AnalysisTemplate | ClusterAnalysisTemplate


@dataclass(frozen=True, slots=True)
class ObjectLocation:
    source: str = ""
    document: int | None = None


@dataclass(frozen=True, slots=True)
class _Use:
    """One analysis a Rollout starts; `background` analyses may run forever by design."""

    path: str
    analysis: RolloutAnalysis
    background: bool


class _Catalog:
    def __init__(self, objects: Sequence[SpecObject]) -> None:
        self._templates = [obj for obj in objects if not isinstance(obj, Rollout)]

    def find(self, ref: AnalysisTemplateRef, namespace: str | None) -> Template | None:
        for template in self._templates:
            if template.kind != ref.kind or template.name != ref.template_name:
                continue
            if isinstance(template, ClusterAnalysisTemplate) or _same_namespace(
                template.metadata.namespace, namespace
            ):
                return template
        return None

    def closure(self, template: Template, namespace: str | None) -> list[Template]:
        """The template and every template it nests, each once (cycles are cut)."""
        found: list[Template] = []
        pending = [template]
        while pending:
            current = pending.pop()
            if any(current is seen for seen in found):
                continue
            found.append(current)
            for ref in current.spec.templates:
                nested = self.find(ref, namespace)
                if nested is not None:
                    pending.append(nested)
        return found


def _same_namespace(left: str | None, right: str | None) -> bool:
    return left is None or right is None or left == right


def check_references(
    objects: Sequence[SpecObject], locations: Sequence[ObjectLocation] | None = None
) -> tuple[SpecProblem, ...]:
    catalog = _Catalog(objects)
    found: list[SpecProblem] = []
    for index, obj in enumerate(objects):
        where = (
            locations[index]
            if locations is not None and index < len(locations)
            else ObjectLocation()
        )
        problems = ProblemList()
        if isinstance(obj, Rollout):
            for use in _analysis_uses(obj):
                _check_use(obj, use, catalog, problems)
        else:
            _check_nested(obj, catalog, problems)
        found.extend(problem.located(where.source, where.document) for problem in problems.freeze())
    return tuple(found)


def _analysis_uses(rollout: Rollout) -> Iterator[_Use]:
    strategy = rollout.spec.strategy
    if strategy.canary is not None:
        base = "spec.strategy.canary"
        for index, step in enumerate(strategy.canary.steps):
            if step.analysis is not None:
                yield _Use(join_path(base, "steps", index, "analysis"), step.analysis, False)
        if strategy.canary.analysis is not None:
            yield _Use(join_path(base, "analysis"), strategy.canary.analysis, True)
    if strategy.blue_green is not None:
        base = "spec.strategy.blueGreen"
        for field, analysis in (
            ("prePromotionAnalysis", strategy.blue_green.pre_promotion_analysis),
            ("postPromotionAnalysis", strategy.blue_green.post_promotion_analysis),
        ):
            if analysis is not None:
                yield _Use(join_path(base, field), analysis, False)


def _missing(owner: SpecObject, ref: AnalysisTemplateRef) -> str:
    return (
        f"{owner.kind} {owner.name} references {ref.kind} '{ref.template_name}', "
        "which is not among the given manifests"
    )


def _check_use(rollout: Rollout, use: _Use, catalog: _Catalog, problems: ProblemList) -> None:
    namespace = rollout.metadata.namespace
    supplied = {arg.name for arg in use.analysis.args}
    for index, ref in enumerate(use.analysis.templates):
        path = join_path(use.path, "templates", index, "templateName")
        template = catalog.find(ref, namespace)
        if template is None:
            problems.warning(path, _missing(rollout, ref))
            continue
        for member in catalog.closure(template, namespace):
            _check_member(member, supplied, use.background, path, problems)


def _check_member(
    template: Template, supplied: set[str], background: bool, path: str, problems: ProblemList
) -> None:
    for arg in template.spec.args:
        if arg.required and arg.name not in supplied:
            problems.warning(
                path,
                f"{template.kind} '{template.name}' needs argument '{arg.name}', "
                "which this analysis does not pass (the run would fail to start)",
            )
    if background:
        return
    for metric in template.spec.metrics:
        count = metric.count
        if metric.interval and (count is None or literal_int(count) == 0):
            problems.error(
                path,
                f"{template.kind} {template.name} has metric {metric.name} which runs "
                f"indefinitely. Invalid value for count: {count if count is not None else '<nil>'}",
            )


def _check_nested(template: Template, catalog: _Catalog, problems: ProblemList) -> None:
    for index, ref in enumerate(template.spec.templates):
        if catalog.find(ref, template.metadata.namespace) is None:
            problems.warning(
                join_path("spec", "templates", index, "templateName"), _missing(template, ref)
            )
