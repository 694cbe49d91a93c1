"""Constructors for OpenAPI v3 structural schema nodes, as plain dicts ready for YAML."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def string(description: str = "") -> Schema:
    return _described({"type": "string"}, description)


def enum(*values: str, default: str | None = None, description: str = "") -> Schema:
    node: Schema = {"type": "string", "enum": list(values)}
    if default is not None:
        node["default"] = default
    return _described(node, description)


def with_default(value: str, description: str = "") -> Schema:
    return _described({"type": "string", "default": value}, description)


def int32(description: str = "") -> Schema:
    return _described({"type": "integer", "format": "int32"}, description)


def int64(description: str = "") -> Schema:
    return _described({"type": "integer", "format": "int64"}, description)


def boolean(description: str = "") -> Schema:
    return _described({"type": "boolean"}, description)


def timestamp(description: str = "") -> Schema:
    return _described({"type": "string", "format": "date-time"}, description)


def int_or_string(description: str = "") -> Schema:
    """Argo's `intstr.IntOrString`: 5, "5" and "25%" are all accepted."""
    node = {"anyOf": [{"type": "integer"}, {"type": "string"}], "x-kubernetes-int-or-string": True}
    return _described(node, description)


def obj(
    properties: dict[str, Schema] | None = None,
    *,
    required: tuple[str, ...] = (),
    description: str = "",
) -> Schema:
    """An object whose fields are all declared; the API server prunes (or, with kubectl's
    strict field validation, rejects) any other field."""
    node: Schema = {"type": "object"}
    if properties:
        node["properties"] = dict(sorted(properties.items()))
    if required:
        node["required"] = sorted(required)
    return _described(node, description)


def free_object(description: str = "", *, required: tuple[str, ...] = ()) -> Schema:
    """An object kept as written: plugin configs, JSON bodies, pod and job specs."""
    node: Schema = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    if required:
        node["required"] = sorted(required)
    return _described(node, description)


def array(items: Schema, description: str = "", *, atomic: bool = False) -> Schema:
    node: Schema = {"type": "array", "items": items}
    if atomic:
        node["x-kubernetes-list-type"] = "atomic"
    return _described(node, description)


def string_map(description: str = "") -> Schema:
    return _described({"type": "object", "additionalProperties": {"type": "string"}}, description)


def map_of(values: Schema, description: str = "") -> Schema:
    return _described({"type": "object", "additionalProperties": values}, description)


def labels_and_annotations(description: str = "") -> Schema:
    return obj({"labels": string_map(), "annotations": string_map()}, description=description)


def label_selector(description: str = "") -> Schema:
    expression = obj(
        {"key": string(), "operator": string(), "values": array(string(), atomic=True)},
        required=("key", "operator"),
    )
    node = obj(
        {"matchLabels": string_map(), "matchExpressions": array(expression, atomic=True)},
        description=description,
    )
    node["x-kubernetes-map-type"] = "atomic"
    return node


def _described(node: Schema, description: str) -> Schema:
    if description:
        return {"description": description, **node}
    return node
