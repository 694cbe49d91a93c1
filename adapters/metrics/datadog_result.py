"""Reading Datadog query answers the way Argo's datadog provider does.

v1 (`/api/v1/query`): the last point of the first series; no series or no points is nil (the
condition then needs `default(result, 0)`). v2 (`/api/v2/query/scalar`): the first number column;
a query grouped `by {tag}` gives a list of floats (even for one group) and the group labels go to
the `groups` metadata as JSON; an ungrouped one gives a float; no data is nil. Deviation from
Argo: a v1 point whose value is JSON null is nil here, where Go's decoder silently makes it 0.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from adapters.metrics.http import ProviderError, quoted_body
from adapters.metrics.values import loads_like_go, value_text

MAX_GROUPS_IN_METADATA = 100


def checked_payload(response: httpx.Response) -> Any:
    status = response.status_code
    if status in (401, 403):
        raise ProviderError(
            f"received authentication error response code: {status} {quoted_body(response)}"
        )
    if status != 200:
        raise ProviderError(f"received non 2xx response code: {status} {quoted_body(response)}")
    try:
        return loads_like_go(response.content)
    except ValueError as error:
        raise ProviderError(f"Could not parse JSON body: {error}") from None


def query_errors(errors: Any) -> None:
    if errors:
        raise ProviderError(f"There were errors in your query: {errors}")


def read_v1(response: httpx.Response) -> float | None:
    payload = checked_payload(response)
    if not isinstance(payload, Mapping):
        raise ProviderError("Could not parse JSON body: expected an object")
    query_errors(payload.get("error"))
    series = payload.get("series") or []
    if not isinstance(series, list):
        raise ProviderError("Could not parse JSON body: series is not a list")
    first = series[0] if series else None
    points = first.get("pointlist") if isinstance(first, Mapping) else None
    if not points:
        return None
    point = points[-1]
    if not isinstance(point, list) or len(point) != 2:
        raise ProviderError("Datapoint does not have 2 values")
    value = point[1]
    if value is not None and not isinstance(value, float):
        raise ProviderError(f"Could not parse JSON body: datapoint value {value!r} is not a number")
    return value


def read_v2(response: httpx.Response) -> tuple[float | list[float] | None, dict[str, str]]:
    payload = checked_payload(response)
    if not isinstance(payload, Mapping):
        raise ProviderError("Could not parse JSON body: expected an object")
    data = payload.get("data") or {}
    query_errors(payload.get("errors") or (data.get("errors") if isinstance(data, Mapping) else ""))
    columns = _columns(data)
    number = next((c for c in columns if c.get("type", "") in ("", "number")), None)
    groups = [c for c in columns if c.get("type") == "group"]
    values, labels = _extract(number, groups)
    if not values:
        return None, {}
    if not groups:
        return values[0], {}
    return values, _groups_metadata(labels, values)


def _columns(data: Any) -> list[Mapping[str, Any]]:
    attributes = data.get("attributes") if isinstance(data, Mapping) else None
    columns = attributes.get("columns") if isinstance(attributes, Mapping) else None
    columns = columns or []
    if not isinstance(columns, list) or not all(isinstance(c, Mapping) for c in columns):
        raise ProviderError("Could not parse JSON body: columns is not a list of objects")
    for column in columns:
        if not isinstance(column.get("values") or [], list):
            raise ProviderError("Could not parse JSON body: column values is not a list")
    return columns


def _extract(
    number: Mapping[str, Any] | None, groups: Sequence[Mapping[str, Any]]
) -> tuple[list[float], list[str]]:
    if number is None:
        return [], []
    values: list[float] = []
    labels: list[str] = []
    for index, raw in enumerate(number.get("values") or []):
        if raw is None:
            continue
        if not isinstance(raw, float):
            quoted = json.dumps(json.dumps(raw))
            raise ProviderError(
                f"could not parse numeric value {quoted} in column "
                f"{json.dumps(str(number.get('name', '')))}"
            )
        values.append(raw)
        if groups:
            labels.append(_group_label(groups, index))
    return values, labels


def _group_label(groups: Sequence[Mapping[str, Any]], index: int) -> str:
    parts: list[str] = []
    for column in groups:
        entries = column.get("values") or []
        tags = entries[index] if index < len(entries) else None
        if not isinstance(tags, list) or not tags or not all(isinstance(t, str) for t in tags):
            raise ProviderError(f"could not parse group label at index {index}")
        parts.extend(tags)
    return ",".join(parts)


def _groups_metadata(labels: list[str], values: list[float]) -> dict[str, str]:
    """Label/value pairs as JSON; past 100 groups only the lowest and highest values are kept."""
    pairs = list(zip(labels, values, strict=True))
    metadata: dict[str, str] = {}
    if len(pairs) > MAX_GROUPS_IN_METADATA:
        ordered = sorted(pairs, key=lambda pair: pair[1])
        low = MAX_GROUPS_IN_METADATA // 2
        pairs = ordered[:low] + ordered[len(ordered) - (MAX_GROUPS_IN_METADATA - low) :]
        metadata["groups_truncated"] = "true"
    metadata["groups"] = value_text([{"name": name, "value": value} for name, value in pairs])
    return metadata
