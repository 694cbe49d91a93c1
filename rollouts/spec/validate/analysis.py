"""Semantic validation of AnalysisTemplate / ClusterAnalysisTemplate (argo-semantics §3)."""

from __future__ import annotations

import re

from rollouts.spec.analysis import (
    AnalysisTemplate,
    AnalysisTemplateSpec,
    Argument,
    ClusterAnalysisTemplate,
)
from rollouts.spec.problems import ProblemList, SpecProblem, join_path
from rollouts.spec.validate.common import check_nonnegative, check_regex
from rollouts.spec.validate.judge import check_judge_thresholds
from rollouts.spec.validate.metric import check_metric

_ARG_TAG = re.compile(r"^\{\{\s*args\.(.+?)\s*\}\}$")


def validate_analysis_template(
    template: AnalysisTemplate | ClusterAnalysisTemplate,
) -> tuple[SpecProblem, ...]:
    problems = ProblemList()
    spec = template.spec
    path = "spec"
    if not spec.metrics and not spec.templates:
        problems.error(join_path(path, "metrics"), "no metrics specified")
    names: set[str] = set()
    for index, metric in enumerate(spec.metrics):
        where = join_path(path, "metrics", index)
        if metric.name in names:
            problems.error(join_path(where, "name"), f"duplicate name {metric.name!r}")
        names.add(metric.name)
        check_metric(metric, where, problems)
    _check_args(spec.args, path, problems)
    for index, ref in enumerate(spec.templates):
        if not ref.template_name:
            problems.error(join_path(path, "templates", index, "templateName"), "must not be empty")
    _check_metric_rules(spec, path, problems)
    check_judge_thresholds(spec, path, problems)
    if not spec.templates:
        _check_placeholders(spec, path, problems)
    return problems.freeze()


def _check_args(args: tuple[Argument, ...], path: str, problems: ProblemList) -> None:
    seen: set[str] = set()
    for index, arg in enumerate(args):
        where = join_path(path, "args", index)
        if not arg.name:
            problems.error(join_path(where, "name"), "must not be empty")
        elif arg.name in seen:
            problems.error(join_path(where, "name"), f"duplicate argument name {arg.name!r}")
        seen.add(arg.name)
        source = arg.value_from
        if source is None:
            continue
        if arg.value is not None:
            problems.error(where, f"arg {arg.name!r} has both Value and ValueFrom fields")
        if (source.secret_key_ref is None) == (source.field_ref is None):
            problems.error(
                join_path(where, "valueFrom"),
                "valueFrom needs exactly one of secretKeyRef or fieldRef",
            )
        if source.field_ref is not None:
            problems.warning(
                join_path(where, "valueFrom", "fieldRef"),
                "a template-side fieldRef is never resolved by the analysis run; "
                "pass the value from the Rollout (valueFrom.fieldRef in its args) instead",
            )


def _check_metric_rules(spec: AnalysisTemplateSpec, path: str, problems: ProblemList) -> None:
    metric_names = [metric.name for metric in spec.metrics]
    rules = [("dryRun", index, rule.metric_name) for index, rule in enumerate(spec.dry_run)]
    rules += [
        ("measurementRetention", index, rule.metric_name)
        for index, rule in enumerate(spec.measurement_retention)
    ]
    for field, index, pattern in rules:
        where = join_path(path, field, index, "metricName")
        if not check_regex(pattern, where, problems) or spec.templates:
            continue
        if not any(re.search(pattern, name) for name in metric_names):
            problems.error(where, f"{field} rule {pattern!r} matches no metric of this template")
    for index, retention in enumerate(spec.measurement_retention):
        check_nonnegative(
            retention.limit, join_path(path, "measurementRetention", index, "limit"), problems
        )


def _check_placeholders(spec: AnalysisTemplateSpec, path: str, problems: ProblemList) -> None:
    declared = {arg.name for arg in spec.args}
    for index, metric in enumerate(spec.metrics):
        where = join_path(path, "metrics", index)
        for tag in dict.fromkeys(metric.placeholders):
            match = _ARG_TAG.match(tag)
            if match is None:
                problems.warning(
                    where, f"placeholder {tag} can only be resolved inside an Experiment"
                )
            elif match.group(1) not in declared:
                problems.error(
                    where,
                    f"placeholder {tag} uses argument {match.group(1)!r}, "
                    "which spec.args does not declare",
                )
