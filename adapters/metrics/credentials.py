"""Credentials and settings the composition root hands to the providers.

Providers never read the environment or Kubernetes secrets: Argo looks credentials up in secrets
and environment variables, and that lookup belongs outside them. A provider gets either one fixed
credentials value or an async lookup that receives the metric's spec (so `secretRef` or `profile`
can pick the secret). `MetricSettings.from_environ` reads the same variables Argo reads.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeAlias, TypeVar

from adapters.metrics.aws import AwsCredentials
from adapters.metrics.http import ProviderError
from rollouts.spec.providers import DatadogMetric, NewRelicMetric

DATADOG_DEFAULT_ADDRESS = "https://api.datadoghq.com"
NERDGRAPH_URLS = {
    "us": "https://api.newrelic.com/graphql",
    "eu": "https://api.eu.newrelic.com/graphql",
    "staging": "https://staging-api.newrelic.com/graphql",
}

CredentialsT = TypeVar("CredentialsT")
SpecT = TypeVar("SpecT")


@dataclass(frozen=True, slots=True)
class DatadogCredentials:
    api_key: str = field(repr=False)
    app_key: str = field(repr=False)
    address: str = ""

    @property
    def base_url(self) -> str:
        return (self.address or DATADOG_DEFAULT_ADDRESS).rstrip("/")

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.api_key, self.app_key)


@dataclass(frozen=True, slots=True)
class NewRelicCredentials:
    """The keys of Argo's `newrelic` secret: personal-api-key, account-id, region, base URLs."""

    personal_api_key: str = field(repr=False)
    account_id: int
    region: str = "us"
    nerdgraph_url: str = ""

    @property
    def graphql_url(self) -> str:
        if self.nerdgraph_url:
            return self.nerdgraph_url
        return NERDGRAPH_URLS.get(self.region.lower(), NERDGRAPH_URLS["us"])

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.personal_api_key,)


DatadogCredentialSource: TypeAlias = (
    DatadogCredentials | Callable[[DatadogMetric], Awaitable[DatadogCredentials | None]]
)
NewRelicCredentialSource: TypeAlias = (
    NewRelicCredentials | Callable[[NewRelicMetric], Awaitable[NewRelicCredentials | None]]
)


async def resolve_credentials(
    source: CredentialsT | Callable[[SpecT], Awaitable[CredentialsT | None]] | None,
    spec: SpecT,
    missing: str,
) -> CredentialsT:
    """The credentials for `spec`; a `ProviderError` with `missing` when there are none."""
    found = await source(spec) if callable(source) else source
    if found is None:
        raise ProviderError(missing)
    return found


@dataclass(frozen=True, slots=True)
class MetricSettings:
    """Provider settings from the controller's environment (same variables as Argo)."""

    prometheus_address: str = ""
    datadog: DatadogCredentials | None = None
    aws: AwsCredentials | None = None
    cloudwatch_endpoint: str = ""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> MetricSettings:
        datadog = None
        if environ.get("DD_API_KEY") and environ.get("DD_APP_KEY"):
            datadog = DatadogCredentials(
                api_key=environ["DD_API_KEY"],
                app_key=environ["DD_APP_KEY"],
                address=environ.get("DD_ADDRESS", ""),
            )
        aws = None
        if environ.get("AWS_ACCESS_KEY_ID") and environ.get("AWS_SECRET_ACCESS_KEY"):
            aws = AwsCredentials(
                access_key_id=environ["AWS_ACCESS_KEY_ID"],
                secret_access_key=environ["AWS_SECRET_ACCESS_KEY"],
                session_token=environ.get("AWS_SESSION_TOKEN", ""),
                region=environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION", ""),
            )
        endpoint = environ.get("AWS_ENDPOINT_URL_CLOUDWATCH") or environ.get("AWS_ENDPOINT_URL")
        return cls(
            prometheus_address=environ.get("ARGO_ROLLOUTS_PROMETHEUS_ADDRESS", ""),
            datadog=datadog,
            aws=aws,
            cloudwatch_endpoint=endpoint or "",
        )
