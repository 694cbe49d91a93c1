"""Merging the templates a Rollout names into one run spec (argo-semantics §3.1).

Templates may include other templates; the whole tree is followed depth first, each template
taken once (Argo de-duplicates by name; a cycle, which would make Argo recurse forever, is simply
not followed again). Namespaced templates come before cluster ones, as in Argo. Metrics are
concatenated (a repeated name is an error), arguments merged (a valued one wins over an unvalued
one, two different values are an error), dryRun and measurementRetention rules concatenated (a
repeated rule is an error).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rollouts.analysis.runspec.errors import RunSpecError
from rollouts.spec import (
    AnalysisTemplate,
    AnalysisTemplateRef,
    Argument,
    ClusterAnalysisTemplate,
    DryRun,
    MeasurementRetention,
    Metric,
)

AnyTemplate = AnalysisTemplate | ClusterAnalysisTemplate
TemplateKey = tuple[str, str]
"""("AnalysisTemplate" | "ClusterAnalysisTemplate", name)."""


@dataclass(frozen=True)
class MergedTemplates:
    metrics: tuple[Metric, ...]
    args: tuple[Argument, ...]
    dry_run: tuple[DryRun, ...]
    measurement_retention: tuple[MeasurementRetention, ...]


def collect_templates(
    refs: Iterable[AnalysisTemplateRef], templates: Mapping[TemplateKey, AnyTemplate]
) -> list[AnyTemplate]:
    """Every template reachable from `refs`, once each: namespaced first, then cluster ones."""
    found: dict[TemplateKey, AnyTemplate] = {}
    _visit(tuple(refs), templates, found)
    namespaced = [t for t in found.values() if isinstance(t, AnalysisTemplate)]
    return namespaced + [t for t in found.values() if isinstance(t, ClusterAnalysisTemplate)]


def _visit(
    refs: tuple[AnalysisTemplateRef, ...],
    templates: Mapping[TemplateKey, AnyTemplate],
    found: dict[TemplateKey, AnyTemplate],
) -> None:
    for ref in refs:
        key = (ref.kind, ref.template_name)
        if key in found:
            continue
        template = templates.get(key)
        if template is None:
            raise RunSpecError(f"{ref.kind} '{ref.template_name}' not found")
        found[key] = template
        _visit(template.spec.templates, templates, found)


def merge_templates(templates: Iterable[AnyTemplate]) -> MergedTemplates:
    """Argo's FlattenTemplates."""
    specs = [template.spec for template in templates]
    metrics = tuple(metric for spec in specs for metric in spec.metrics)
    _refuse_repeats((metric.name for metric in metrics), "two metrics have the same name")
    dry_run = tuple(rule for spec in specs for rule in spec.dry_run)
    check_dry_run_rules(dry_run)
    retention = tuple(rule for spec in specs for rule in spec.measurement_retention)
    check_retention_rules(retention)
    args = merge_template_args(arg for spec in specs for arg in spec.args)
    return MergedTemplates(metrics, args, dry_run, retention)


def check_dry_run_rules(rules: Iterable[DryRun]) -> None:
    _refuse_repeats(
        (rule.metric_name for rule in rules), "two Dry-Run metric rules have the same name"
    )


def check_retention_rules(rules: Iterable[MeasurementRetention]) -> None:
    _refuse_repeats(
        (rule.metric_name for rule in rules),
        "two Measurement Retention metric rules have the same name",
    )


def _refuse_repeats(names: Iterable[str], message: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise RunSpecError(f"{message} '{name}'")
        seen.add(name)


def merge_template_args(args: Iterable[Argument]) -> tuple[Argument, ...]:
    """One argument per name: the first valued one wins, two different values are an error."""
    merged: dict[str, Argument] = {}
    for arg in args:
        previous = merged.get(arg.name)
        if previous is None:
            merged[arg.name] = arg
            continue
        if previous.value is not None and arg.value is not None and previous.value != arg.value:
            raise RunSpecError(
                f"Argument `{arg.name}` specified multiple times with different values: "
                f"'{previous.value}', '{arg.value}'"
            )
        if previous.value is None:
            merged[arg.name] = arg
    return tuple(merged.values())


def apply_rollout_args(
    template_args: tuple[Argument, ...], rollout_values: Mapping[str, str]
) -> tuple[Argument, ...]:
    """Argo's MergeArgs: Rollout values override template defaults (arguments the templates do
    not declare are ignored); an argument still without value or source is an error."""
    merged = tuple(
        arg.model_copy(update={"value": rollout_values[arg.name]})
        if arg.name in rollout_values
        else arg
        for arg in template_args
    )
    for arg in merged:
        if arg.value is None and arg.value_from is None:
            raise RunSpecError(f"args.{arg.name} was not resolved")
    return merged
