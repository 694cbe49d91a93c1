"""GetMetricData request and response shapes (AWS field names, JSON 1.0 protocol).

Request fields follow Argo's conversion to the Go SDK types: `period` strings that are not whole
numbers become 0 (Kubernetes' IntOrString.IntValue), and empty optional fields are left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from adapters.metrics.http import ProviderError, quoted_body
from adapters.metrics.values import loads_like_go
from rollouts.spec.providers import CloudWatchMetricDataQuery, CloudWatchMetricStat

_RESULT_FIELDS = ("Id", "Label", "StatusCode")


def _int_value(period: int | str) -> int:
    if isinstance(period, int):
        return period
    try:
        return int(period)
    except ValueError:
        return 0


def _metric_stat(stat: CloudWatchMetricStat) -> dict[str, Any]:
    metric: dict[str, Any] = {"MetricName": stat.metric.metric_name}
    if stat.metric.namespace is not None:
        metric["Namespace"] = stat.metric.namespace
    if stat.metric.dimensions:
        metric["Dimensions"] = [{"Name": d.name, "Value": d.value} for d in stat.metric.dimensions]
    shaped: dict[str, Any] = {"Metric": metric}
    shaped["Period"] = _int_value(stat.period) if stat.period is not None else 0
    if stat.stat:
        shaped["Stat"] = stat.stat
    if stat.unit:
        shaped["Unit"] = stat.unit
    return shaped


def metric_data_queries(queries: Sequence[CloudWatchMetricDataQuery]) -> list[dict[str, Any]]:
    shaped: list[dict[str, Any]] = []
    for query in queries:
        item: dict[str, Any] = {"Id": query.id}
        if query.expression is not None:
            item["Expression"] = query.expression
        if query.label is not None:
            item["Label"] = query.label
        if query.metric_stat is not None:
            item["MetricStat"] = _metric_stat(query.metric_stat)
        if query.period is not None:
            item["Period"] = _int_value(query.period)
        if query.return_data is not None:
            item["ReturnData"] = query.return_data
        shaped.append(item)
    return shaped


def read_results(response: httpx.Response) -> tuple[list[dict[str, Any]], list[Any]]:
    """The MetricDataResult list and the operation's messages; AWS errors as `ProviderError`."""
    if not response.is_success:
        raise ProviderError(_api_error(response))
    try:
        payload = loads_like_go(response.content)
    except ValueError as error:
        raise ProviderError(f"could not parse GetMetricData response: {error}") from None
    if not isinstance(payload, Mapping):
        raise ProviderError("could not parse GetMetricData response: expected an object")
    results = [_result(item) for item in payload.get("MetricDataResults") or []]
    return results, list(payload.get("Messages") or [])


def _result(item: Any) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise ProviderError("could not parse GetMetricData response: malformed MetricDataResult")
    shaped: dict[str, Any] = {field: item.get(field) for field in _RESULT_FIELDS}
    try:
        shaped["Timestamps"] = [_rfc3339(float(t)) for t in item.get("Timestamps") or []]
        shaped["Values"] = [float(v) for v in item.get("Values") or []]
    except (TypeError, ValueError, OverflowError, OSError):
        raise ProviderError("could not parse GetMetricData response: bad datapoint") from None
    shaped["Messages"] = list(item.get("Messages") or [])
    return shaped


def _rfc3339(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def _api_error(response: httpx.Response) -> str:
    """Go SDK style: `operation error CloudWatch: GetMetricData, https response error …`."""
    code, message = "", quoted_body(response)
    try:
        payload = loads_like_go(response.content)
    except ValueError:
        payload = None
    if isinstance(payload, Mapping):
        code = str(payload.get("__type", "")).rpartition("#")[2].partition(":")[0]
        message = str(payload.get("message") or payload.get("Message") or "")
    query_error = response.headers.get("x-amzn-query-error", "")
    if query_error:
        code = query_error.partition(";")[0]
    request_id = response.headers.get("x-amzn-requestid", "")
    return (
        f"operation error CloudWatch: GetMetricData, https response error StatusCode: "
        f"{response.status_code}, RequestID: {request_id}, api error {code or 'Unknown'}: "
        f"{message}"
    )
