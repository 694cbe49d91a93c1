"""Building an analysis run's frozen spec from the Rollout's request and the templates it names.

This is what Argo does between "the Rollout wants a run" and "the run takes its first
measurement": resolve the Rollout's arguments, follow and merge the templates, apply the
arguments, substitute them into the metrics and check the result. Pure: the templates and the
Rollout come in as data, the spec or an Argo-worded `RunSpecError` comes out.

Secret arguments are never resolved here: their placeholders stay in the metrics and they are
listed in `secret_args`, to be read from the secret store only when measuring.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rollouts.analysis.runspec.args import rollout_argument_values
from rollouts.analysis.runspec.checks import check_metrics, dry_run_metric_names, retention_limits
from rollouts.analysis.runspec.errors import RunSpecError
from rollouts.analysis.runspec.merge import (
    AnyTemplate,
    TemplateKey,
    apply_rollout_args,
    check_dry_run_rules,
    check_retention_rules,
    collect_templates,
    merge_templates,
)
from rollouts.analysis.runspec.substitute import placeholder_names, substitute
from rollouts.spec import Argument, Metric, RolloutAnalysis

__all__ = [
    "ResolvedRun",
    "RunSpecError",
    "SecretRef",
    "resolve_run",
    "substitute",
]

UNRESOLVED_ARGUMENTS = "Unable to resolve metric arguments"
SECRET_STAND_IN = "temp-for-secret"
"""What Argo substitutes for a secret while checking a run's spec (the real value comes later)."""

SecretRef = dict[str, str]
"""{"name": <secret>, "key": <key>}"""


@dataclass(frozen=True)
class ResolvedRun:
    metrics: tuple[dict[str, Any], ...]
    """Argo Metric objects (camelCase), every non-secret argument substituted."""
    args: dict[str, str] = field(default_factory=dict)
    secret_args: dict[str, SecretRef] = field(default_factory=dict)
    dry_run_metrics: tuple[str, ...] = ()
    measurement_retention: dict[str, int] = field(default_factory=dict)


def resolve_run(
    analysis: RolloutAnalysis,
    templates: Mapping[TemplateKey, AnyTemplate],
    *,
    rollout_manifest: Mapping[str, Any],
    stable_hash: str,
    latest_hash: str,
) -> ResolvedRun:
    """The run spec, or `RunSpecError` with the message Argo gives for the same mistake."""
    rollout_values = rollout_argument_values(
        analysis.args, rollout_manifest, stable_hash=stable_hash, latest_hash=latest_hash
    )
    merged = merge_templates(collect_templates(analysis.templates, templates))
    args = apply_rollout_args(merged.args, rollout_values)
    dry_run = (*analysis.dry_run, *merged.dry_run)
    check_dry_run_rules(dry_run)
    retention = (*analysis.measurement_retention, *merged.measurement_retention)
    check_retention_rules(retention)
    values, secrets = _split_arguments(args)
    metrics = _substituted(merged.metrics, values, secrets)
    names = [str(metric["name"]) for metric in metrics]
    return ResolvedRun(
        metrics=metrics,
        args=values,
        secret_args=secrets,
        dry_run_metrics=dry_run_metric_names(dry_run, names),
        measurement_retention=retention_limits(retention, names),
    )


def _split_arguments(args: tuple[Argument, ...]) -> tuple[dict[str, str], dict[str, SecretRef]]:
    """Plain values and secret references; a secret reference wins over a value, as in Argo
    (which reads the secret whatever value the Rollout passed)."""
    values: dict[str, str] = {}
    secrets: dict[str, SecretRef] = {}
    for arg in args:
        source = arg.value_from
        if source is not None and source.secret_key_ref is not None:
            ref = source.secret_key_ref
            secrets[arg.name] = {"name": ref.name, "key": ref.key}
        elif arg.value is None:
            raise RunSpecError(f'{UNRESOLVED_ARGUMENTS}: argument "{arg.name}" was not supplied')
        else:
            values[arg.name] = arg.value
    return values, secrets


def _substituted(
    metrics: tuple[Metric, ...], values: dict[str, str], secrets: dict[str, SecretRef]
) -> tuple[dict[str, Any], ...]:
    written = [metric_document(metric) for metric in metrics]
    try:
        resolved = tuple(substitute(doc, values, keep=secrets) for doc in written)
        stand_ins = dict.fromkeys(secrets, SECRET_STAND_IN)
        checked = [substitute(doc, stand_ins) for doc in resolved]
    except RunSpecError as error:
        raise RunSpecError(f"{UNRESOLVED_ARGUMENTS}: {error}") from None
    check_metrics(checked)
    return resolved


def metric_document(metric: Metric) -> dict[str, Any]:
    """The metric as its YAML wrote it (camelCase, only the fields that were set)."""
    return metric.model_dump(mode="json", by_alias=True, exclude_unset=True)


def secret_placeholders(metric: Mapping[str, Any], secret_args: Mapping[str, Any]) -> set[str]:
    """The secret arguments a metric actually uses (the only ones worth reading to measure it)."""
    return set(placeholder_names(metric)) & set(secret_args)
