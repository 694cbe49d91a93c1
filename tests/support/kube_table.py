"""Server-side printing: the `meta.k8s.io` Table that `kubectl get` asks for.

kubectl sends `Accept: application/json;as=Table;v=v1;g=meta.k8s.io, ...;v=v1beta1...,
application/json` and prints the columns the server chose. For a CRD type they are `Name`
and the CRD's `additionalPrinterColumns` (each cell the value at its jsonPath, `date`
columns as an age such as `5m` or `3d4h`, a missing value as null, which kubectl prints as
`<none>`); a CRD without columns, and every built-in type here, gets `Name` and `Age`
(a real server has richer printers for built-in kinds). Each row carries the object as
`includeObject` asks: `Metadata` (the default, a PartialObjectMetadata), `Object`, `None`.

JSONPath here is the subset CRD columns use: `.a.b`, `.a[0]`, `.a[*]` (first match) and
`.a[?(@.type=="Ready")].status`. Watches asking for Tables get them too (`table_events`).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any

from tests.support.kube_errors import KubeError
from tests.support.kube_resources import PrinterColumn, ResourceType

Obj = dict[str, Any]
NAME = {"name": "Name", "type": "string", "format": "name", "priority": 0,
        "description": "Name must be unique within a namespace. More info: "
                       "http://kubernetes.io/docs/user-guide/identifiers#names"}  # fmt: skip
AGE = PrinterColumn("Age", "date", ".metadata.creationTimestamp", "Time since creation")
_STEP = re.compile(r'\.([^.\[]+)|\[(\d+|\*)\]|\[\?\(@\.([\w.-]+)\s*==\s*["\']([^"\']*)["\']\)\]')


def table_version(accept: str) -> str | None:
    """`meta.k8s.io/v1` or `/v1beta1` if the Accept header asks for a Table first, else None."""
    for media in accept.split(","):
        parameters = dict(
            part.strip().split("=", 1) for part in media.split(";")[1:] if "=" in part
        )
        if parameters.get("as") == "Table" and parameters.get("g") == "meta.k8s.io":
            if parameters.get("v") in ("v1", "v1beta1"):
                return f"meta.k8s.io/{parameters['v']}"
        elif media.strip().split(";")[0] in ("application/json", "*/*", ""):
            return None
    return None


def table_answer(
    resource: ResourceType, answer: Obj, api_version: str, query: Mapping[str, str]
) -> Obj:
    """The Table for a list or a get answer (`query`: the request's, for includeObject)."""
    items = answer.get("items", [answer])
    return to_table(
        resource,
        items,
        api_version=api_version,
        include_object=query.get("includeObject"),
        resource_version=answer["metadata"]["resourceVersion"],
    )


async def table_events(
    resource: ResourceType,
    events: AsyncIterator[Obj],
    api_version: str,
    query: Mapping[str, str],
) -> AsyncIterator[Obj]:
    """A watch as a Table-asking client (`kubectl get -w`) gets it: each object event carries
    a one-row Table, column definitions in the first only; BOOKMARK and ERROR as they are."""
    first = True
    async with contextlib.aclosing(events) as live:  # type: ignore[type-var]
        async for event in live:
            if event["type"] not in ("ADDED", "MODIFIED", "DELETED"):
                yield event
                continue
            table = table_answer(resource, event["object"], api_version, query)
            if not first:
                table["columnDefinitions"] = None
            first = False
            yield {**event, "object": table}


def to_table(
    resource: ResourceType,
    objects: list[Obj],
    *,
    api_version: str,
    include_object: str | None,
    resource_version: str,
) -> Obj:
    include = include_object or "Metadata"
    if include not in ("None", "Metadata", "Object"):
        raise KubeError.bad_request(f"includeObject: Unsupported value: {include!r}")
    columns = resource.columns if resource.columns is not None else (AGE,)
    definitions = [NAME] + [
        {"name": c.name, "type": c.type, "format": c.format, "description": c.description,
         "priority": c.priority}
        for c in columns
    ]  # fmt: skip
    rows = [_row(obj, columns, include, api_version) for obj in objects]
    return {
        "kind": "Table",
        "apiVersion": api_version,
        "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": definitions,
        "rows": rows,
    }


def _row(obj: Obj, columns: tuple[PrinterColumn, ...], include: str, api_version: str) -> Obj:
    cells: list[Any] = [obj["metadata"]["name"]]
    cells += [_cell(column, json_path(obj, column.json_path)) for column in columns]
    row: Obj = {"cells": cells}
    if include == "Object":
        row["object"] = obj
    elif include == "Metadata":
        kind = {"kind": "PartialObjectMetadata", "apiVersion": api_version}
        row["object"] = {**kind, "metadata": obj["metadata"]}
    return row


def json_path(obj: Any, path: str) -> Any:
    """The first value at `path`, or None when there is none."""
    text = path.strip().removeprefix("{").removesuffix("}").removeprefix("$")
    node = obj
    position = 0
    while position < len(text):
        match = _STEP.match(text, position)
        if match is None:
            raise KubeError.bad_request(f"unsupported JSONPath {path!r}")
        position = match.end()
        node = _step(node, match)
        if node is None:
            return None
    return node


def _step(node: Any, match: re.Match[str]) -> Any:
    field, index, key, wanted = match.groups()
    if field is not None:
        return node.get(field) if isinstance(node, dict) else None
    if not isinstance(node, list) or not node:
        return None
    if index == "*":
        return node[0]
    if index is not None:
        return node[int(index)] if int(index) < len(node) else None
    for item in node:
        if isinstance(item, dict) and str(json_path(item, f".{key}")) == wanted:
            return item
    return None


def _cell(column: PrinterColumn, value: Any) -> Any:
    if value is None:
        return None
    if column.type == "date":
        return _age(value)
    if column.type == "integer":
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if column.type == "number":
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if column.type == "boolean":
        return value if isinstance(value, bool) else None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _age(value: Any) -> str | None:
    try:
        then = datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None
    return human_duration(int((datetime.now(UTC) - then).total_seconds()))


def human_duration(seconds: int) -> str:
    """The API server's HumanDuration: 45s, 3m10s, 2h5m, 3d4h, 400d, 2y10d."""
    if seconds < -1:
        return "<invalid>"
    if seconds < 120:
        return f"{max(seconds, 0)}s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    rules = (
        (minutes < 10, minutes, "m", seconds % 60, "s"),
        (minutes < 180, minutes, "m", 0, ""),
        (hours < 8, hours, "h", minutes % 60, "m"),
        (hours < 48, hours, "h", 0, ""),
        (hours < 24 * 8, days, "d", hours % 24, "h"),
        (days < 365 * 2, days, "d", 0, ""),
        (days < 365 * 8, days // 365, "y", days % 365, "d"),
    )
    for applies, large, unit, small, small_unit in rules:
        if applies:
            return f"{large}{unit}" + (f"{small}{small_unit}" if small else "")
    return f"{days // 365}y"
