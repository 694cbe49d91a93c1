"""Metric providers (argo-semantics §5): Prometheus, Web, Datadog, New Relic, CloudWatch, Job."""

from __future__ import annotations

from typing import Any, Literal

from rollouts.spec.base import (
    IntOrString,
    PodMetadata,
    SpecModel,
    Unsupported,
    unsupported_field,
)


class Header(SpecModel):
    key: str
    value: str


class Sigv4Config(SpecModel):
    region: str = ""
    profile: str = ""
    role_arn: str = ""


class OAuth2Config(SpecModel):
    token_url: str = ""
    client_id: str = ""
    client_secret: str = ""
    scopes: tuple[str, ...] = ()

    @property
    def is_set(self) -> bool:
        return bool(self.token_url or self.client_id or self.client_secret or self.scopes)


class BasicAuthConfig(SpecModel):
    username: str = ""
    password: str = ""


class Authentication(SpecModel):
    sigv4: Sigv4Config = Sigv4Config()
    oauth2: OAuth2Config = OAuth2Config()
    basic_auth: BasicAuthConfig = BasicAuthConfig()


class PrometheusRangeQuery(SpecModel):
    # Time expressions such as `now() - duration("5m")`.
    start: str = ""
    end: str = ""
    step: str = ""


class PrometheusMetric(SpecModel):
    # Empty means the ARGO_ROLLOUTS_PROMETHEUS_ADDRESS environment variable.
    address: str = ""
    query: str = ""
    # Seconds; None means 30.
    timeout: int | None = None
    insecure: bool = False
    headers: tuple[Header, ...] = ()
    range_query: PrometheusRangeQuery | None = None
    authentication: Authentication = Authentication()


class WebMetric(SpecModel):
    url: str
    method: Literal["GET", "POST", "PUT"] = "GET"
    headers: tuple[Header, ...] = ()
    body: str = ""
    json_body: Any = None
    timeout_seconds: int = 10
    json_path: str = ""
    insecure: bool = False
    authentication: Authentication = Authentication()


class DatadogSecretRef(SpecModel):
    name: str = ""
    namespaced: bool = False


DatadogAggregator = Literal[
    "avg", "min", "max", "sum", "last", "percentile", "mean", "l2norm", "area"
]


class DatadogMetric(SpecModel):
    query: str = ""
    queries: dict[str, str] = {}
    formula: str = ""
    api_version: Literal["v1", "v2"] = "v1"
    # Look-back window of the query, not the polling interval.
    interval: str = "5m"
    aggregator: DatadogAggregator | None = None
    request_timeout: str = "10s"
    secret_ref: DatadogSecretRef = DatadogSecretRef()


class NewRelicMetric(SpecModel):
    query: str
    # Name of the secret holding the credentials.
    profile: str = ""
    timeout: int | None = None


class CloudWatchDimension(SpecModel):
    name: str = ""
    value: str = ""


class CloudWatchMetricStatMetric(SpecModel):
    dimensions: tuple[CloudWatchDimension, ...] = ()
    metric_name: str = ""
    namespace: str | None = None


class CloudWatchMetricStat(SpecModel):
    metric: CloudWatchMetricStatMetric = CloudWatchMetricStatMetric()
    period: IntOrString | None = None
    stat: str = ""
    unit: str = ""


class CloudWatchMetricDataQuery(SpecModel):
    id: str = ""
    expression: str | None = None
    label: str | None = None
    metric_stat: CloudWatchMetricStat | None = None
    period: IntOrString | None = None
    return_data: bool | None = None


class CloudWatchMetric(SpecModel):
    interval: str = "5m"
    metric_data_queries: tuple[CloudWatchMetricDataQuery, ...]


class JobMetric(SpecModel):
    metadata: PodMetadata = PodMetadata()
    # A Kubernetes batch/v1 JobSpec, kept as data for the job runner.
    spec: dict[str, Any]


PROVIDER_NAMES = ("prometheus", "web", "datadog", "newRelic", "cloudWatch", "job")


class MetricProvider(SpecModel):
    prometheus: PrometheusMetric | None = None
    web: WebMetric | None = None
    datadog: DatadogMetric | None = None
    new_relic: NewRelicMetric | None = None
    cloud_watch: CloudWatchMetric | None = None
    job: JobMetric | None = None
    kayenta: Unsupported = unsupported_field()
    wavefront: Unsupported = unsupported_field()
    graphite: Unsupported = unsupported_field()
    influxdb: Unsupported = unsupported_field()
    skywalking: Unsupported = unsupported_field()
    plugin: Unsupported = unsupported_field()

    @property
    def configured(self) -> tuple[str, ...]:
        """YAML names of the providers that are set (validation requires exactly one)."""
        values = (
            self.prometheus,
            self.web,
            self.datadog,
            self.new_relic,
            self.cloud_watch,
            self.job,
        )
        pairs = zip(PROVIDER_NAMES, values, strict=True)
        return tuple(name for name, value in pairs if value is not None)

    @property
    def name(self) -> str:
        """The single provider's YAML name; raises ValueError if not exactly one is set."""
        configured = self.configured
        if len(configured) != 1:
            raise ValueError(f"a metric needs exactly one provider, found {len(configured)}")
        return configured[0]
