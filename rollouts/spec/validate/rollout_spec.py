"""Semantic validation of a Rollout, after Argo's pkg/apis/rollouts/validation/validation.go.

Messages reuse Argo's wording where Argo has one, so users can search for them; every problem is
collected, validation never stops at the first.
"""

from __future__ import annotations

from rollouts.spec.base import LabelSelector
from rollouts.spec.pause_limit import check_pause_annotations
from rollouts.spec.problems import ProblemList, SpecProblem, join_path
from rollouts.spec.rollout import Rollout, RolloutSpec
from rollouts.spec.strategies import BlueGreenStrategy
from rollouts.spec.validate.canary import check_canary
from rollouts.spec.validate.common import (
    check_anti_affinity,
    check_nonnegative,
    check_rollout_analysis,
    int_or_percent,
)
from rollouts.spec.validate.pod import validate_pod_spec
from rollouts.spec.validate.workload_ref import check_workload_spec

MISSING_FIELD = "Rollout has missing field '{}'"
MULTIPLE_STRATEGIES = "Multiple Strategies can not be listed"
DUPLICATED_SERVICES_BLUE_GREEN = (
    "This rollout uses the same service for the active and preview services, "
    "but two different services are required."
)
SCALE_DOWN_LIMIT_OVER_REVISION_LIMIT = (
    "This rollout's revision history limit can not be smaller than the rollout's scale down limit"
)


def validate_rollout(rollout: Rollout) -> tuple[SpecProblem, ...]:
    problems = ProblemList()
    spec = rollout.spec
    _check_counts(spec, problems)
    if not check_workload_spec(rollout, problems):
        _check_selector_and_template(spec, problems)
    _check_strategy(spec, problems)
    check_pause_annotations(rollout.metadata.annotations, problems)
    return problems.freeze()


def _check_counts(spec: RolloutSpec, problems: ProblemList) -> None:
    check_nonnegative(spec.replicas, "spec.replicas", problems)
    check_nonnegative(spec.min_ready_seconds, "spec.minReadySeconds", problems)
    check_nonnegative(spec.revision_history_limit, "spec.revisionHistoryLimit", problems)
    check_nonnegative(spec.progress_deadline_seconds, "spec.progressDeadlineSeconds", problems)
    if spec.progress_deadline_seconds <= spec.min_ready_seconds:
        problems.error("spec.progressDeadlineSeconds", "must be greater than minReadySeconds")
    if spec.rollback_window is not None:
        check_nonnegative(spec.rollback_window.revisions, "spec.rollbackWindow.revisions", problems)
    if spec.analysis is not None:
        path = "spec.analysis"
        limits = spec.analysis
        check_nonnegative(
            limits.successful_run_history_limit, f"{path}.successfulRunHistoryLimit", problems
        )
        check_nonnegative(
            limits.unsuccessful_run_history_limit, f"{path}.unsuccessfulRunHistoryLimit", problems
        )


def _check_selector_and_template(spec: RolloutSpec, problems: ProblemList) -> None:
    if spec.selector is None:
        problems.error("spec.selector", MISSING_FIELD.format(".spec.selector"))
    else:
        _check_selector(spec.selector, "spec.selector", problems)
    template = spec.template
    if template is None:
        problems.error("spec.template", MISSING_FIELD.format(".spec.template"))
        return
    validate_pod_spec(template.spec, "spec.template.spec", problems, restart_policies=("Always",))
    selector = spec.selector
    if (
        selector is not None
        and not selector.is_empty
        and not selector.matches(template.metadata.labels)
    ):
        problems.error(
            "spec.template.metadata.labels", "`selector` does not match template `labels`"
        )


def _check_selector(selector: LabelSelector, path: str, problems: ProblemList) -> None:
    if selector.is_empty:
        problems.error(path, "empty selector is invalid for deployment")
    for index, requirement in enumerate(selector.match_expressions):
        where = join_path(path, "matchExpressions", index, "values")
        needs_values = requirement.operator in ("In", "NotIn")
        if needs_values and not requirement.values:
            problems.error(where, "must be specified when `operator` is 'In' or 'NotIn'")
        if not needs_values and requirement.values:
            problems.error(
                where, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
            )


def _check_strategy(spec: RolloutSpec, problems: ProblemList) -> None:
    strategy = spec.strategy
    if strategy.canary is None and strategy.blue_green is None:
        problems.error(
            "spec.strategy",
            MISSING_FIELD.format(".spec.strategy.canary or .spec.strategy.blueGreen"),
        )
    elif strategy.canary is not None and strategy.blue_green is not None:
        problems.error("spec.strategy", MULTIPLE_STRATEGIES)
    elif strategy.blue_green is not None:
        _check_blue_green(strategy.blue_green, spec, "spec.strategy.blueGreen", problems)
    elif strategy.canary is not None:
        check_canary(strategy.canary, spec, "spec.strategy.canary", problems)


def _check_blue_green(
    blue_green: BlueGreenStrategy, spec: RolloutSpec, path: str, problems: ProblemList
) -> None:
    if not blue_green.active_service:
        problems.error(
            join_path(path, "activeService"), MISSING_FIELD.format(f".{path}.activeService")
        )
    elif blue_green.active_service == blue_green.preview_service:
        problems.error(join_path(path, "activeService"), DUPLICATED_SERVICES_BLUE_GREEN)
    limit = blue_green.scale_down_delay_revision_limit
    check_nonnegative(limit, join_path(path, "scaleDownDelayRevisionLimit"), problems)
    if limit is not None and spec.revision_history_limit < limit:
        problems.error(
            join_path(path, "scaleDownDelayRevisionLimit"), SCALE_DOWN_LIMIT_OVER_REVISION_LIMIT
        )
    for field, value in (
        ("autoPromotionSeconds", blue_green.auto_promotion_seconds),
        ("scaleDownDelaySeconds", blue_green.scale_down_delay_seconds),
        ("abortScaleDownDelaySeconds", blue_green.abort_scale_down_delay_seconds),
        ("previewReplicaCount", blue_green.preview_replica_count),
    ):
        check_nonnegative(value, join_path(path, field), problems)
    if not blue_green.auto_promotion_enabled and blue_green.auto_promotion_seconds:
        problems.warning(
            join_path(path, "autoPromotionSeconds"),
            "has no effect while autoPromotionEnabled is false",
        )
    int_or_percent(blue_green.max_unavailable, join_path(path, "maxUnavailable"), problems)
    _check_promotion_analyses(blue_green, path, problems)
    check_anti_affinity(blue_green.anti_affinity, join_path(path, "antiAffinity"), problems)


def _check_promotion_analyses(
    blue_green: BlueGreenStrategy, path: str, problems: ProblemList
) -> None:
    for field, analysis in (
        ("prePromotionAnalysis", blue_green.pre_promotion_analysis),
        ("postPromotionAnalysis", blue_green.post_promotion_analysis),
    ):
        if analysis is not None:
            check_rollout_analysis(analysis, join_path(path, field), problems)
