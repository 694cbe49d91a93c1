"""Checks of one metric: Argo's ValidateMetric plus each provider's own refusals.

Argo finds most provider mistakes only when a measurement runs (the run then ends in Error); a
lint that reports them up front saves a failed rollout.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from rollouts.analysis.expr.lint import condition_problem
from rollouts.durations import parse_go_duration
from rollouts.spec.analysis import Metric, is_templated, literal_int
from rollouts.spec.problems import ProblemList, join_path
from rollouts.spec.providers import (
    Authentication,
    CloudWatchMetric,
    DatadogMetric,
    JobMetric,
    PrometheusMetric,
    WebMetric,
)
from rollouts.spec.validate.judge import as_measured, check_judge
from rollouts.spec.validate.pod import validate_pod_spec

_LIMIT_FIELDS = (
    ("count", "count"),
    ("failure_limit", "failureLimit"),
    ("inconclusive_limit", "inconclusiveLimit"),
    ("consecutive_error_limit", "consecutiveErrorLimit"),
    ("consecutive_success_limit", "consecutiveSuccessLimit"),
)


def check_metric(metric: Metric, path: str, problems: ProblemList) -> None:
    if not metric.name:
        problems.error(join_path(path, "name"), "must not be empty")
    for attribute, field in _LIMIT_FIELDS:
        value = getattr(metric, attribute)
        if isinstance(value, str) and literal_int(value) is None and not is_templated(value):
            problems.error(
                join_path(path, field),
                f"must be an integer or an {{{{args.*}}}} placeholder, got {value!r}",
            )
    message = limits_problem(metric)
    if message:
        problems.error(path, message)
    if metric.judge is None:
        _check_provider(metric, join_path(path, "provider"), problems)
    else:
        check_judge(metric, metric.judge, path, problems)
        _check_provider(as_measured(metric, metric.judge), join_path(path, "provider"), problems)
    _check_conditions(metric, path, problems)


def _check_conditions(metric: Metric, path: str, problems: ProblemList) -> None:
    """A condition over the language's size limits, or with a regex Go/RE2 rejects, never runs."""
    for field, expression in (
        ("successCondition", metric.success_condition),
        ("failureCondition", metric.failure_condition),
    ):
        problem = condition_problem(expression) if expression else None
        if problem:
            problems.error(join_path(path, field), f"metric {metric.name!r}: {problem}")


def limits_problem(metric: Metric) -> str | None:
    """The first count/limit rule broken, in the order and words of Argo's ValidateMetric."""
    count = literal_int(metric.count) or 0
    failure = literal_int(metric.failure_limit) or 0
    success = literal_int(metric.consecutive_success_limit) or 0
    inconclusive = literal_int(metric.inconclusive_limit) or 0
    errors = literal_int(metric.consecutive_error_limit) or 0
    rules = (
        (count < 0, "count must be >= 0"),
        (success < 0, "consecutiveSuccessLimit must be >= 0"),
        (failure < -1, "failureLimit must be >= 0, or -1 to be disabled"),
        (
            success == 0 and failure == -1,
            "failureLimit and consecutiveSuccessLimit cannot both be disabled",
        ),
        (inconclusive < 0, "inconclusiveLimit must be >= 0"),
        (errors < 0, "consecutiveErrorLimit must be >= 0"),
        (
            count > 0 and failure >= 0 and count < failure + success,
            f"count ({count}) must be >= failureLimit + consecutiveSuccessLimit "
            f"({failure} + {success}) if both >= 0",
        ),
        (count > 0 and failure < 0 and count < success, "count must be >= consecutiveSuccessLimit"),
        (count > 0 and count < inconclusive, "count must be >= inconclusiveLimit"),
        (count > 1 and not metric.interval, "interval must be specified when count > 1"),
    )
    return next((message for broken, message in rules if broken), None)


def _check_provider(metric: Metric, path: str, problems: ProblemList) -> None:
    provider = metric.provider
    configured = provider.configured
    if not configured:
        problems.error(path, "no provider specified")
        return
    if len(configured) > 1:
        problems.error(path, f"multiple providers specified: {', '.join(configured)}")
    if provider.prometheus is not None:
        _check_prometheus(provider.prometheus, join_path(path, "prometheus"), problems)
    if provider.web is not None:
        _check_web(provider.web, join_path(path, "web"), problems)
    if provider.datadog is not None:
        _check_datadog(provider.datadog, join_path(path, "datadog"), problems)
    if provider.new_relic is not None and not provider.new_relic.query.strip():
        problems.error(join_path(path, "newRelic", "query"), "must not be empty")
    if (
        provider.new_relic is not None
        and provider.new_relic.timeout is not None
        and provider.new_relic.timeout < 0
    ):
        problems.error(join_path(path, "newRelic", "timeout"), "must not be negative")
    if provider.cloud_watch is not None:
        _check_cloud_watch(provider.cloud_watch, join_path(path, "cloudWatch"), problems)
    if provider.job is not None:
        _check_job(provider.job, join_path(path, "job"), problems)


def check_duration(text: str, path: str, problems: ProblemList) -> None:
    if not text or is_templated(text):
        return
    try:
        parse_go_duration(text)
    except ValueError as exc:
        problems.error(path, str(exc))


def _check_url(url: str, path: str, problems: ProblemList) -> None:
    if is_templated(url):
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        problems.error(path, f"must be an absolute http(s) URL, got {url!r}")


def _check_authentication(auth: Authentication, path: str, problems: ProblemList) -> None:
    basic = auth.basic_auth
    if (basic.username or basic.password) and not (basic.username and basic.password):
        missing = "password" if basic.username else "username"
        problems.error(
            join_path(path, "basicAuth", missing),
            f"missing mandatory parameter in metric for basic auth setup: {missing}",
        )
    oauth = auth.oauth2
    if oauth.is_set and not (oauth.token_url and oauth.client_id and oauth.client_secret):
        problems.error(
            join_path(path, "oauth2"),
            "missing mandatory parameter in metric for OAuth2 setup "
            "(tokenUrl, clientId and clientSecret are required)",
        )


def _check_prometheus(prometheus: PrometheusMetric, path: str, problems: ProblemList) -> None:
    if not prometheus.query.strip():
        problems.error(join_path(path, "query"), "must not be empty")
    if prometheus.address:
        _check_url(prometheus.address, join_path(path, "address"), problems)
    if prometheus.timeout is not None and prometheus.timeout < 0:
        problems.error(join_path(path, "timeout"), "prometheus timeout should not be negative")
    if prometheus.range_query is not None:
        check_duration(prometheus.range_query.step, join_path(path, "rangeQuery", "step"), problems)
    _check_authentication(prometheus.authentication, join_path(path, "authentication"), problems)


def _check_web(web: WebMetric, path: str, problems: ProblemList) -> None:
    if not web.url:
        problems.error(join_path(path, "url"), "must not be empty")
    else:
        _check_url(web.url, join_path(path, "url"), problems)
    has_json = web.json_body is not None
    if web.body and has_json:
        problems.error(
            path, "use either Body or JSONBody; both cannot exists for WebMetric payload"
        )
    if (web.body or has_json) and web.method == "GET":
        problems.error(
            join_path(path, "method"),
            "Body/JSONBody can only be used with POST or PUT WebMetric Method types",
        )
    if web.timeout_seconds < 0:
        problems.error(join_path(path, "timeoutSeconds"), "must not be negative")
    _check_authentication(web.authentication, join_path(path, "authentication"), problems)


def _check_datadog(datadog: DatadogMetric, path: str, problems: ProblemList) -> None:
    rules = (
        (not datadog.query and not datadog.queries, "Must have either a query or queries."),
        (bool(datadog.query and datadog.queries), "Cannot have both a query and queries."),
        (
            datadog.api_version == "v1" and not datadog.query and bool(datadog.queries),
            "Query is empty. API Version v1 only supports using the query parameter.",
        ),
        (
            bool(datadog.formula) and not datadog.queries,
            "Formula are only valid when queries are set.",
        ),
        (
            not datadog.formula and len(datadog.queries) > 1,
            "When multiple queries are provided you must include a formula.",
        ),
        (
            datadog.api_version == "v1" and datadog.aggregator is not None,
            "Aggregator is not supported in v1.",
        ),
    )
    for broken, message in rules:
        if broken:
            problems.error(path, message)
    check_duration(datadog.interval, join_path(path, "interval"), problems)
    _check_positive_duration(datadog.request_timeout, join_path(path, "requestTimeout"), problems)


def _check_positive_duration(text: str, path: str, problems: ProblemList) -> None:
    if not text or is_templated(text):
        return
    try:
        if parse_go_duration(text) <= 0:
            problems.error(path, "must be a positive duration (e.g. 30s)")
    except ValueError as exc:
        problems.error(path, str(exc))


def _check_cloud_watch(cloud_watch: CloudWatchMetric, path: str, problems: ProblemList) -> None:
    check_duration(cloud_watch.interval, join_path(path, "interval"), problems)
    if not cloud_watch.metric_data_queries:
        problems.error(join_path(path, "metricDataQueries"), "at least one query is required")
    for index, query in enumerate(cloud_watch.metric_data_queries):
        where = join_path(path, "metricDataQueries", index)
        if not query.id:
            problems.error(join_path(where, "id"), "must not be empty")
        if (query.expression is None) == (query.metric_stat is None):
            problems.error(where, "needs exactly one of expression or metricStat")


def _check_job(job: JobMetric, path: str, problems: ProblemList) -> None:
    template = job.spec.get("template")
    pod_spec: Any = template.get("spec") if isinstance(template, Mapping) else None
    if not isinstance(pod_spec, Mapping):
        problems.error(join_path(path, "spec", "template", "spec"), "a Job needs a pod template")
        return
    validate_pod_spec(
        pod_spec,
        join_path(path, "spec", "template", "spec"),
        problems,
        restart_policies=("Never", "OnFailure"),
        restart_policy_required=True,
    )
    backoff = job.spec.get("backoffLimit")
    if isinstance(backoff, int) and backoff < 0:
        problems.error(
            join_path(path, "spec", "backoffLimit"), "must be greater than or equal to 0"
        )
