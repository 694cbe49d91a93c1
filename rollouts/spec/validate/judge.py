"""Checks of the judge extension (docs/judge.md), each a one-line problem naming its field.

The rules that matter most are those that keep Argo's own controller from misreading a judge
metric: with a provider query or a condition set, Argo (which prunes `judge`) would run the
metric as an ordinary threshold metric and never compare canary with baseline.
"""

from __future__ import annotations

from rollouts.spec.analysis import AnalysisTemplateSpec, Metric
from rollouts.spec.judge import JUDGE_PROVIDERS, MetricJudge
from rollouts.spec.problems import ProblemList, join_path

_ARGO_READS = "Argo's controller would run it and ignore the judge block"


def check_judge(metric: Metric, judge: MetricJudge, path: str, problems: ProblemList) -> None:
    """The judge block itself, and what the rest of a judge metric must leave unset."""
    where = join_path(path, "judge")
    thresholds = judge.thresholds
    if thresholds is not None and thresholds.marginal > thresholds.pass_score:
        problems.error(
            join_path(where, "thresholds", "marginal"),
            f"must not exceed pass ({thresholds.marginal:g} > {thresholds.pass_score:g})",
        )
    for field, query in (("baseline", judge.baseline), ("canary", judge.canary)):
        if not query.strip():
            problems.error(join_path(where, field), "must not be empty")
    for field, condition in (
        ("successCondition", metric.success_condition),
        ("failureCondition", metric.failure_condition),
    ):
        if condition:
            problems.error(
                join_path(path, field), f"must be empty in a judge metric: {_ARGO_READS}"
            )
    configured = metric.provider.configured
    if len(configured) == 1 and configured[0] not in JUDGE_PROVIDERS:
        problems.error(
            join_path(path, "provider"),
            f"a judge metric needs a prometheus or datadog provider, got {configured[0]}",
        )
    _check_provider_query(metric, join_path(path, "provider"), problems)


def _check_provider_query(metric: Metric, path: str, problems: ProblemList) -> None:
    message = f"must be empty in a judge metric ({_ARGO_READS}); use judge.baseline/judge.canary"
    prometheus, datadog = metric.provider.prometheus, metric.provider.datadog
    if prometheus is not None and prometheus.query:
        problems.error(join_path(path, "prometheus", "query"), message)
    if datadog is not None and datadog.query:
        problems.error(join_path(path, "datadog", "query"), message)
    if datadog is not None and datadog.queries:
        problems.error(join_path(path, "datadog", "queries"), message)


def as_measured(metric: Metric, judge: MetricJudge) -> Metric:
    """The metric as the provider will run it for the baseline, so the provider's own checks
    (address, range window, Datadog's rules) apply to the query that actually runs."""
    provider = metric.provider
    if provider.prometheus is not None and not provider.prometheus.query:
        prometheus = provider.prometheus.model_copy(update={"query": judge.baseline})
        provider = provider.model_copy(update={"prometheus": prometheus})
    if provider.datadog is not None and not (provider.datadog.query or provider.datadog.queries):
        datadog = provider.datadog.model_copy(update={"query": judge.baseline})
        provider = provider.model_copy(update={"datadog": datadog})
    return metric.model_copy(update={"provider": provider})


def check_judge_thresholds(spec: AnalysisTemplateSpec, path: str, problems: ProblemList) -> None:
    """Thresholds in order, and only where some metric (or a merged template) is judged."""
    thresholds = spec.judge
    if thresholds is None:
        return
    where = join_path(path, "judge")
    if thresholds.marginal > thresholds.pass_score:
        problems.error(
            join_path(where, "marginal"),
            f"must not exceed pass ({thresholds.marginal:g} > {thresholds.pass_score:g})",
        )
    if not spec.templates and all(metric.judge is None for metric in spec.metrics):
        problems.warning(where, "thresholds set but no metric has a judge block")
