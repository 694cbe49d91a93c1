from __future__ import annotations

import pytest
from pydantic import ValidationError

from rollouts.spec import (
    AnalysisTemplate,
    AnalysisTemplateRef,
    BlueGreenStrategy,
    CanaryStep,
    CanaryStrategy,
    GatewayAPIConfig,
    Metric,
    MetricProvider,
    PauseStep,
    PrometheusMetric,
    Rollout,
    SpecProblem,
    TrafficRouting,
    literal_int,
)
from rollouts.spec.problems import join_path
from tests.unit.spec.helpers import base_rollout, base_template, parse, with_fields


def _rollout(doc: dict[str, object]) -> Rollout:
    obj, problems = parse(doc)
    assert isinstance(obj, Rollout), problems
    return obj


def test_rollout_defaults_match_argo() -> None:
    doc = with_fields(base_rollout(), {"spec.replicas": None})
    spec = _rollout(doc).spec
    assert spec.replicas == 1
    assert spec.min_ready_seconds == 0
    assert spec.revision_history_limit == 10
    assert spec.progress_deadline_seconds == 600
    assert spec.progress_deadline_abort is False
    assert spec.paused is False
    assert spec.analysis is None
    canary = spec.strategy.canary
    assert canary is not None
    assert canary.max_surge == "25%"
    assert canary.max_unavailable == "25%"
    assert canary.steps == ()
    assert canary.dynamic_stable_scale is False


def test_models_use_camel_case_aliases_and_snake_case_attributes() -> None:
    strategy = {
        "blueGreen": {"activeService": "a", "previewService": "p", "autoPromotionSeconds": 5}
    }
    rollout = _rollout(base_rollout(strategy))
    blue_green = rollout.spec.strategy.blue_green
    assert blue_green is not None
    assert (blue_green.active_service, blue_green.preview_service) == ("a", "p")
    assert blue_green.auto_promotion_enabled is True
    assert blue_green.auto_promotion_seconds == 5
    dumped = rollout.model_dump(by_alias=True, exclude_none=True)
    assert dumped["spec"]["strategy"]["blueGreen"]["activeService"] == "a"


def test_models_can_be_built_by_python_name() -> None:
    strategy = CanaryStrategy(
        canary_service="c", stable_service="s", steps=(CanaryStep(set_weight=5),)
    )
    assert strategy.steps[0].set_weight == 5
    assert strategy.canary_service == "c"


def test_models_are_frozen_and_collections_are_tuples() -> None:
    rollout = _rollout(
        with_fields(base_rollout(), {"spec.strategy.canary.steps": [{"setWeight": 5}]})
    )
    canary = rollout.spec.strategy.canary
    assert canary is not None
    assert isinstance(canary.steps, tuple)
    with pytest.raises(ValidationError):
        canary.max_surge = 1  # type: ignore[misc]


def test_metadata_ignores_server_fields_but_keeps_generation() -> None:
    doc = with_fields(
        base_rollout(),
        {
            "metadata.uid": "123",
            "metadata.resourceVersion": "9",
            "metadata.generation": 3,
            "metadata.managedFields": [{"manager": "kubectl"}],
            "metadata.labels": {"team": "a"},
            "status": {"phase": "Healthy"},
        },
    )
    rollout = _rollout(doc)
    assert rollout.metadata.generation == 3
    assert rollout.metadata.labels == {"team": "a"}
    assert rollout.name == "demo"
    assert "status" not in rollout.model_dump()


def test_null_values_mean_absent_like_go() -> None:
    doc = with_fields(base_rollout(), {"spec.strategy.canary.steps": None, "spec.paused": None})
    canary = _rollout(doc).spec.strategy.canary
    assert canary is not None
    assert canary.steps == ()


@pytest.mark.parametrize(
    ("step", "kind", "text"),
    [
        ({"setWeight": 20}, "setWeight", "setWeight: 20"),
        # Argo's CanaryStepString: `pause`, or the duration as written (IntOrString.String()).
        ({"pause": {}}, "pause", "pause"),
        ({"pause": {"duration": 30}}, "pause", "pause: 30"),
        ({"pause": {"duration": "10"}}, "pause", "pause: 10"),
        ({"pause": {"duration": "10s"}}, "pause", "pause: 10s"),
        ({"pause": {"duration": "10m"}}, "pause", "pause: 10m"),
        ({"pause": {"duration": "1h30m"}}, "pause", "pause: 1h30m"),
        ({"pause": {"duration": "1ms"}}, "pause", "pause: 1ms"),
        ({"pause": {"duration": 0}}, "pause", "pause: 0"),
        (
            {"analysis": {"templates": [{"templateName": "a"}, {"templateName": "b"}]}},
            "analysis",
            "analysis: a, b",
        ),
        ({"setCanaryScale": {"replicas": 3}}, "setCanaryScale", "setCanaryScale{replicas: 3}"),
        ({"setCanaryScale": {"weight": 25}}, "setCanaryScale", "setCanaryScale{weight: 25}"),
        (
            {"setCanaryScale": {"matchTrafficWeight": True}},
            "setCanaryScale",
            "setCanaryScale{matchTrafficWeight: true}",
        ),
        ({"setHeaderRoute": {"name": "hdr"}}, "setHeaderRoute", "setHeaderRoute: hdr"),
        ({"setMirrorRoute": {"name": "mirror"}}, "setMirrorRoute", "setMirrorRoute: mirror"),
    ],
)
def test_step_kind_and_description(step: dict[str, object], kind: str, text: str) -> None:
    parsed = CanaryStep.model_validate(step)
    assert parsed.kind == kind
    assert parsed.describe() == text


def test_pause_duration_is_whole_seconds_or_none() -> None:
    assert PauseStep.model_validate({}).duration is None
    assert PauseStep.model_validate({"duration": "1h30m"}).duration == 5400
    assert PauseStep.model_validate({"duration": "30"}).duration == 30


def test_step_kind_refuses_a_step_without_exactly_one_action() -> None:
    with pytest.raises(ValueError, match="exactly one action"):
        _ = CanaryStep().kind
    with pytest.raises(ValueError, match="found 2"):
        _ = CanaryStep(set_weight=1, pause=PauseStep()).kind


def test_canary_delays_default_to_30_only_with_traffic_routing() -> None:
    basic = CanaryStrategy()
    assert basic.effective_scale_down_delay_seconds is None
    assert basic.effective_abort_scale_down_delay_seconds is None
    routed = CanaryStrategy(traffic_routing=TrafficRouting())
    assert routed.effective_scale_down_delay_seconds == 30
    assert routed.effective_abort_scale_down_delay_seconds == 30
    explicit = CanaryStrategy(
        traffic_routing=TrafficRouting(),
        scale_down_delay_seconds=5,
        abort_scale_down_delay_seconds=0,
    )
    assert explicit.effective_scale_down_delay_seconds == 5
    assert explicit.effective_abort_scale_down_delay_seconds == 0


def test_blue_green_delays_default_to_30() -> None:
    strategy = BlueGreenStrategy(active_service="a")
    assert strategy.effective_scale_down_delay_seconds == 30
    assert strategy.effective_abort_scale_down_delay_seconds == 30
    assert (
        BlueGreenStrategy(
            active_service="a", abort_scale_down_delay_seconds=0
        ).effective_abort_scale_down_delay_seconds
        == 0
    )
    assert strategy.max_unavailable == "25%"


def test_gateway_api_plugin_config_is_parsed() -> None:
    routing = TrafficRouting.model_validate(
        {"plugins": {"argoproj-labs/gatewayAPI": {"httpRoute": "web", "namespace": "edge"}}}
    )
    config = routing.gateway_api
    assert isinstance(config, GatewayAPIConfig)
    assert config.namespace == "edge"
    assert [route.name for route in config.all_http_routes] == ["web"]
    assert TrafficRouting().gateway_api is None
    assert routing.effective_max_weight == 100
    assert TrafficRouting(max_traffic_weight=1000).effective_max_weight == 1000


def test_metric_defaults_and_durations() -> None:
    metric = Metric.model_validate(
        {
            "name": "m",
            "interval": "1m30s",
            "initialDelay": "{{args.delay}}",
            "provider": {"web": {"url": "http://x"}},
        }
    )
    assert metric.interval == "1m30s"
    assert metric.interval_seconds == 90.0
    assert metric.initial_delay_seconds is None
    assert (metric.failure_limit, metric.inconclusive_limit) == (0, 0)
    assert (metric.consecutive_error_limit, metric.consecutive_success_limit) == (4, 0)
    assert metric.count is None
    assert metric.provider.name == "web"
    web = metric.provider.web
    assert web is not None
    assert (web.method, web.timeout_seconds) == ("GET", 10)
    assert Metric.model_validate({"name": "m", "provider": {}}).interval_seconds is None


def test_metric_interval_must_be_a_go_duration() -> None:
    with pytest.raises(ValidationError, match="invalid duration"):
        Metric.model_validate({"name": "m", "interval": "5 minutes", "provider": {}})


def test_provider_defaults() -> None:
    provider = MetricProvider.model_validate({"datadog": {"query": "avg:x"}})
    assert provider.datadog is not None
    assert provider.datadog.api_version == "v1"
    assert provider.datadog.interval == "5m"
    assert provider.datadog.request_timeout == "10s"
    assert PrometheusMetric().timeout is None
    assert MetricProvider().configured == ()
    with pytest.raises(ValueError, match="exactly one provider"):
        _ = MetricProvider().name


def test_template_parses_and_refs_know_their_kind() -> None:
    obj, problems = parse(base_template())
    assert problems == ()
    assert isinstance(obj, AnalysisTemplate)
    assert obj.spec.metrics[0].name == "error-rate"
    assert AnalysisTemplateRef(template_name="x").kind == "AnalysisTemplate"
    assert (
        AnalysisTemplateRef(template_name="x", cluster_scope=True).kind == "ClusterAnalysisTemplate"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3, 3), ("3", 3), (" -1 ", -1), ("{{args.n}}", None), (None, None), ("x", None)],
)
def test_literal_int_reads_numbers_like_go_intvalue(
    value: int | str | None, expected: int | None
) -> None:
    assert literal_int(value) == expected


def test_problem_text_and_paths() -> None:
    assert (
        join_path("spec", "strategy", "canary", "steps", 2, "setWeight")
        == "spec.strategy.canary.steps[2].setWeight"
    )
    full = SpecProblem(path="spec.replicas", message="bad", source="a.yaml", document=2)
    assert str(full) == "a.yaml#2: spec.replicas: bad"
    assert str(SpecProblem(path="", message="bad", source="a.yaml")) == "a.yaml: bad"
    assert str(SpecProblem(path="kind", message="bad")) == "kind: bad"
    assert full.is_error and not SpecProblem("p", "m", severity="warning").is_error
