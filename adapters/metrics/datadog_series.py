"""Reading every point of a Datadog timeseries answer, for a judge metric's samples.

A threshold metric reads one number (the last point, or a scalar aggregate); a judge metric
compares the canary's points with the baseline's, so it reads them all: v1 `/api/v1/query`
gives `series[].pointlist` of `[ms, value]`, v2 `/api/v2/query/timeseries` gives
`data.attributes.values`, one list per series or formula. Points that are null (no data in that
rollup bucket) are skipped; the points of several series are pooled, in order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from adapters.metrics.datadog_result import checked_payload, query_errors
from adapters.metrics.http import ProviderError


def read_v1_points(response: httpx.Response) -> list[float]:
    payload = _object(checked_payload(response))
    query_errors(payload.get("error"))
    series = payload.get("series") or []
    if not isinstance(series, list):
        raise ProviderError("Could not parse JSON body: series is not a list")
    points: list[float] = []
    for entry in series:
        pointlist = entry.get("pointlist") if isinstance(entry, Mapping) else None
        for point in pointlist or []:
            if not isinstance(point, list) or len(point) != 2:
                raise ProviderError("Datapoint does not have 2 values")
            points.extend(_number(point[1]))
    return points


def read_v2_points(response: httpx.Response) -> list[float]:
    payload = _object(checked_payload(response))
    data = payload.get("data") or {}
    query_errors(payload.get("errors") or (data.get("errors") if isinstance(data, Mapping) else ""))
    attributes = data.get("attributes") if isinstance(data, Mapping) else None
    values = attributes.get("values") if isinstance(attributes, Mapping) else None
    if not isinstance(values or [], list):
        raise ProviderError("Could not parse JSON body: values is not a list")
    points: list[float] = []
    for series in values or []:
        if not isinstance(series, list):
            raise ProviderError("Could not parse JSON body: a series of values is not a list")
        for value in series:
            points.extend(_number(value))
    return points


def _object(payload: Any) -> Mapping[str, Any]:
    if not isinstance(payload, Mapping):
        raise ProviderError("Could not parse JSON body: expected an object")
    return payload


def _number(value: Any) -> list[float]:
    if value is None:
        return []
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProviderError(f"Could not parse JSON body: datapoint value {value!r} is not a number")
    return [float(value)]
