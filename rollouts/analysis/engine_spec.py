"""A resolved run spec checked the way Argo's analysis controller checks it before measuring.

The worker resolves templates and arguments, but the run only starts when its metrics make
sense: parseable, uniquely named, with limits and durations that are plain numbers by now, and
within Argo's ValidateMetric rules. Anything else makes the run Error at once with Argo's
`Analysis spec invalid: metrics[i]: ...` message, instead of measuring something meaningless.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from rollouts.analysis.assess import MetricLimits
from rollouts.run_state import DEFAULT_MEASUREMENT_RETENTION, MetricRunState
from rollouts.spec import Metric
from rollouts.spec.analysis import is_templated, literal_int

INVALID = "Analysis spec invalid"
UNRESOLVED = "Unable to resolve metric arguments"


class RunSpecInvalid(ValueError):
    """The run cannot start; the message is the run's Error message."""


def metric_states(
    metrics: Sequence[Mapping[str, Any]],
    dry_run: Collection[str] = (),
    retention: Mapping[str, int] | None = None,
) -> tuple[MetricRunState, ...]:
    """The starting state of each metric, or RunSpecInvalid saying why the run cannot start."""
    if not metrics:
        raise RunSpecInvalid(f"{INVALID}: no metrics specified")
    parsed: list[Metric] = []
    for index, raw in enumerate(metrics):
        metric = _parse(index, raw)
        if any(metric.name == seen.name for seen in parsed):
            raise RunSpecInvalid(f"{INVALID}: metrics[{index}]: duplicate name '{metric.name}'")
        parsed.append(metric)
    names = [metric.name for metric in parsed]
    dry = _matching(dry_run, names)
    kept = {name: n for rule, n in (retention or {}).items() for name in _matching([rule], names)}
    return tuple(
        MetricRunState(
            spec=metric,
            limits=metric_limits(metric),
            dry_run=metric.name in dry,
            retention=kept.get(metric.name, 0) or DEFAULT_MEASUREMENT_RETENTION,
        )
        for metric in parsed
    )


def metric_limits(metric: Metric) -> MetricLimits:
    """Argo's limits with their defaults; only call on a metric `metric_states` accepted."""
    return MetricLimits(
        failure_limit=literal_int(metric.failure_limit) or 0,
        inconclusive_limit=literal_int(metric.inconclusive_limit) or 0,
        consecutive_error_limit=_or_default(literal_int(metric.consecutive_error_limit), 4),
        consecutive_success_limit=literal_int(metric.consecutive_success_limit) or 0,
        count=literal_int(metric.count),
        has_interval=bool(metric.interval),
    )


def _or_default(value: int | None, default: int) -> int:
    return default if value is None else value


def _parse(index: int, raw: Mapping[str, Any]) -> Metric:
    try:
        metric = Metric.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise RunSpecInvalid(f"{INVALID}: metrics[{index}]: {where}: {first['msg']}") from None
    unresolved = _unresolved(metric)
    if unresolved:
        raise RunSpecInvalid(f"{UNRESOLVED}: failed to resolve {unresolved}")
    from rollouts.spec.validate.metric import limits_problem  # pulls the condition grammar

    problem = limits_problem(metric)
    if problem:
        raise RunSpecInvalid(f"{INVALID}: metrics[{index}]: {problem}")
    return metric


def _unresolved(metric: Metric) -> str:
    """A placeholder (or other non-number) left where the controller itself needs a value.
    Secret arguments may stay placeholders in the provider block: the worker fills them in
    just before measuring."""
    numbers = (
        metric.count,
        metric.failure_limit,
        metric.inconclusive_limit,
        metric.consecutive_error_limit,
        metric.consecutive_success_limit,
    )
    for number in numbers:
        if isinstance(number, str) and literal_int(number) is None:
            return number
    for duration in (metric.interval, metric.initial_delay):
        if is_templated(duration):
            return duration
    return ""


def _matching(rules: Collection[str], names: Sequence[str]) -> set[str]:
    """Names a rule selects: the name itself, or Argo's regular expression (a search)."""
    selected: set[str] = set()
    for rule in rules:
        if rule in names:
            selected.add(rule)
            continue
        try:
            pattern = re.compile(rule)
        except re.error:
            continue
        selected.update(name for name in names if pattern.search(name))
    return selected
