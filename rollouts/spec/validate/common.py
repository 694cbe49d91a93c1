"""Checks shared by several parts of a Rollout: counts, percentages, analysis references."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rollouts.spec.analysis_refs import AnalysisRunArgument, RolloutAnalysis
from rollouts.spec.problems import ProblemList, join_path
from rollouts.spec.steps import StringMatch

NONNEGATIVE = "must be greater than or equal to 0"
INVALID_ANTI_AFFINITY_STRATEGY = "AntiAffinity must have exactly one strategy listed"
INVALID_ANTI_AFFINITY_WEIGHT = "AntiAffinity weight must be between 1-100"
STRING_MATCH_MULTIPLE = (
    "StringMatch match value must have exactly one of the following: exact, regex, prefix"
)
STRING_MATCH_MISSING = (
    "StringMatch value missed, match value must have one of the following: exact, regex, prefix"
)
INVALID_ANALYSIS_ARGS = (
    "Analyses arguments must refer to valid object metadata supported by downwardAPI"
)
_PERCENT = re.compile(r"(\d+)%?")
_DOWNWARD_API = re.compile(
    r"metadata\.(name|namespace|uid|labels|annotations)"
    r"|metadata\.(labels|annotations)\['[^']*'\]"
)
_PREFERRED = "preferredDuringSchedulingIgnoredDuringExecution"
_REQUIRED = "requiredDuringSchedulingIgnoredDuringExecution"


def check_nonnegative(value: int | None, path: str, problems: ProblemList) -> None:
    if value is not None and value < 0:
        problems.error(path, f"{NONNEGATIVE}, got {value}")


def int_or_percent(value: int | str, path: str, problems: ProblemList) -> int | None:
    """The number in `3` or `"25%"` (Argo reads `"25"` as 25% too); None when invalid."""
    if isinstance(value, int):
        if value < 0:
            problems.error(path, f"{NONNEGATIVE}, got {value}")
            return None
        return value
    match = _PERCENT.fullmatch(value.strip())
    if match is None:
        problems.error(
            path, f"must be a non-negative integer or a percentage such as 25%, got {value!r}"
        )
        return None
    return int(match.group(1))


def is_percent(value: int | str) -> bool:
    return isinstance(value, str)


def check_anti_affinity(
    anti_affinity: Mapping[str, Any] | None, path: str, problems: ProblemList
) -> None:
    if anti_affinity is None:
        return
    for key in anti_affinity:
        if key not in (_PREFERRED, _REQUIRED):
            problems.error(join_path(path, str(key)), "unknown field")
    preferred, required = anti_affinity.get(_PREFERRED), anti_affinity.get(_REQUIRED)
    if (preferred is None) == (required is None):
        problems.error(path, INVALID_ANTI_AFFINITY_STRATEGY)
    if preferred is not None:
        weight = preferred.get("weight") if isinstance(preferred, Mapping) else None
        if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 100:
            problems.error(join_path(path, "weight"), INVALID_ANTI_AFFINITY_WEIGHT)


def check_string_match(match: StringMatch | None, path: str, problems: ProblemList) -> None:
    if match is None or not match.set_kinds:
        problems.error(path, STRING_MATCH_MISSING)
    elif len(match.set_kinds) > 1:
        problems.error(path, STRING_MATCH_MULTIPLE)


def check_regex(pattern: str, path: str, problems: ProblemList) -> bool:
    """True when the pattern compiles; otherwise records the problem."""
    try:
        re.compile(pattern)
    except re.error as exc:
        problems.error(path, f"invalid regular expression {pattern!r}: {exc}")
        return False
    return True


def check_rollout_analysis(analysis: RolloutAnalysis, path: str, problems: ProblemList) -> None:
    """An analysis a Rollout starts: it needs templates and well-formed arguments."""
    if not analysis.templates:
        problems.error(join_path(path, "templates"), "at least one template is required")
    for index, ref in enumerate(analysis.templates):
        if not ref.template_name:
            problems.error(join_path(path, "templates", index, "templateName"), "must not be empty")
    seen: set[str] = set()
    for index, arg in enumerate(analysis.args):
        where = join_path(path, "args", index)
        if arg.name in seen:
            problems.error(join_path(where, "name"), f"duplicate argument name {arg.name!r}")
        seen.add(arg.name)
        _check_rollout_argument(arg, where, problems)
    for index, rule in enumerate(analysis.dry_run):
        check_regex(rule.metric_name, join_path(path, "dryRun", index, "metricName"), problems)
    for index, retention in enumerate(analysis.measurement_retention):
        where = join_path(path, "measurementRetention", index)
        check_regex(retention.metric_name, join_path(where, "metricName"), problems)
        check_nonnegative(retention.limit, join_path(where, "limit"), problems)


def _check_rollout_argument(arg: AnalysisRunArgument, path: str, problems: ProblemList) -> None:
    if not arg.name:
        problems.error(join_path(path, "name"), "must not be empty")
    source = arg.value_from
    if source is None:
        return
    if arg.value is not None:
        problems.error(path, f"arg {arg.name!r} has both value and valueFrom")
    if (source.pod_template_hash_value is None) == (source.field_ref is None):
        problems.error(
            join_path(path, "valueFrom"),
            "valueFrom needs exactly one of podTemplateHashValue or fieldRef",
        )
    if source.field_ref is not None:
        field_path = source.field_ref.field_path
        if not field_path:
            problems.error(
                join_path(path, "valueFrom", "fieldRef", "fieldPath"), "must not be empty"
            )
        elif field_path.startswith("metadata") and not _DOWNWARD_API.fullmatch(field_path):
            problems.error(
                join_path(path, "valueFrom", "fieldRef", "fieldPath"), INVALID_ANALYSIS_ARGS
            )
