"""The checks Argo's analysis controller makes on a run before its first measurement.

They run on the merged, substituted metrics, so a count or interval passed as an argument is
checked with its real value. A failure makes the run Error with Argo's message:
`Analysis spec invalid: metrics[0]: ...` or `Analysis spec invalid: dryRun[0]: ...`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from rollouts.analysis.runspec.errors import RunSpecError
from rollouts.durations import parse_go_duration
from rollouts.spec import DryRun, MeasurementRetention, Metric
from rollouts.spec.validate.metric import limits_problem

INVALID_SPEC = "Analysis spec invalid"


def check_metrics(metrics: Sequence[Mapping[str, Any]]) -> None:
    """Argo's ValidateMetrics, in its order and words."""
    if not metrics:
        raise RunSpecError(f"{INVALID_SPEC}: no metrics specified")
    for index, metric in enumerate(metrics):
        problem = metric_problem(metric)
        if problem:
            raise RunSpecError(f"{INVALID_SPEC}: metrics[{index}]: {problem}")


def metric_problem(metric: Mapping[str, Any]) -> str:
    """The first rule the metric breaks, in the order of Argo's ValidateMetric, or ""."""
    document = {"provider": {}, **metric}
    duration_problems = []
    for field, label in (("interval", "interval"), ("initialDelay", "startDelay")):
        text = document.get(field) or ""
        if not _is_duration(text):
            duration_problems.append(f'invalid {label} string: time: invalid duration "{text}"')
            document[field] = "1s"
    try:
        parsed = Metric.model_validate(document)
    except ValidationError as error:
        return _first_error(error)
    problems = [limits_problem(parsed), *duration_problems, _provider_problem(parsed)]
    return next((problem for problem in problems if problem), "")


def _is_duration(text: object) -> bool:
    if text == "":
        return True
    try:
        parse_go_duration(str(text))
    except ValueError:
        return False
    return isinstance(text, str)


def _provider_problem(metric: Metric) -> str:
    configured = metric.provider.configured
    if not configured:
        return "no provider specified"
    if len(configured) > 1:
        return "multiple providers specified"
    return ""


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def dry_run_metric_names(rules: Iterable[DryRun], metric_names: Sequence[str]) -> tuple[str, ...]:
    """Names of the metrics some dryRun rule (a regular expression) matches, in metric order;
    a rule matching none is an error."""
    matched: set[str] = set()
    for index, rule in enumerate(rules):
        hits = _matching(rule.metric_name, metric_names)
        if not hits:
            raise RunSpecError(
                f"{INVALID_SPEC}: dryRun[{index}]: Rule didn't match any metric name(s)"
            )
        matched.update(hits)
    return tuple(name for name in metric_names if name in matched)


def retention_limits(
    rules: Iterable[MeasurementRetention], metric_names: Sequence[str]
) -> dict[str, int]:
    """Each matched metric's retention limit (a later rule wins, as in Argo)."""
    limits: dict[str, int] = {}
    for index, rule in enumerate(rules):
        hits = _matching(rule.metric_name, metric_names)
        if not hits:
            raise RunSpecError(
                f"{INVALID_SPEC}: measurementRetention[{index}]: "
                "Rule didn't match any metric name(s)"
            )
        limits.update(dict.fromkeys(hits, rule.limit))
    return {name: limits[name] for name in metric_names if name in limits}


def _matching(pattern: str, names: Sequence[str]) -> list[str]:
    """Go's regexp.MatchString: unanchored; a pattern that does not compile matches nothing."""
    try:
        compiled = re.compile(pattern)
    except re.error:
        return []
    return [name for name in names if compiled.search(name)]
