"""Structural-schema pruning and field validation, as the API server does for CRD types.

A CRD's openAPIV3Schema decides what the server keeps: a field it does not declare is dropped
(pruning) unless `x-kubernetes-preserve-unknown-fields` or `additionalProperties` allow it.
What happens to such a field is the request's `fieldValidation`: `Ignore` drops it silently,
`Warn` (the default) drops it and says so in a `Warning` header, `Strict` refuses the request
(400, "strict decoding error: unknown field ..."). kubectl sends `Strict` once the OpenAPI v3
document says the server supports it (kube_openapi), so `kubectl apply` of a manifest with a
field the CRD lacks fails here as on a cluster. Types without a schema are kept as sent.

Not modelled: type checks, formats, enums, defaults, CEL rules, and pruning of
`metadata` below the root (the real server keeps only ObjectMeta's fields there).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.support.kube_errors import KubeError

Obj = dict[str, Any]
VALIDATIONS = ("Ignore", "Warn", "Strict")
ROOT_FIELDS = ("apiVersion", "kind", "metadata")


def field_validation(value: str | None) -> str:
    """The request's `fieldValidation` (default Warn, as servers since 1.25 use)."""
    if value in (None, ""):
        return "Warn"
    if value not in VALIDATIONS:
        raise KubeError.bad_request(
            f'fieldValidation: Unsupported value: "{value}": supported values: '
            '"Ignore", "Strict", "Warn"'
        )
    return str(value)


def prune(schema: Mapping[str, Any] | None, obj: Obj, validation: str) -> tuple[Obj, list[str]]:
    """(the object without undeclared fields, the warnings to send). Strict: 400 instead."""
    if schema is None:
        return obj, []
    unknown: list[str] = []
    kept = {key: value for key, value in obj.items() if key in ROOT_FIELDS}
    rest = {key: value for key, value in obj.items() if key not in ROOT_FIELDS}
    pruned = _walk(schema, rest, "", unknown, root=True)
    kept.update(pruned if isinstance(pruned, dict) else {})
    messages = [f'unknown field "{path}"' for path in unknown]
    if messages and validation == "Strict":
        raise KubeError.bad_request("strict decoding error: " + ", ".join(messages))
    return kept, messages if validation == "Warn" else []


def _walk(
    schema: Mapping[str, Any], value: Any, path: str, unknown: list[str], *, root: bool = False
) -> Any:
    if isinstance(value, list):
        items = schema.get("items")
        if not isinstance(items, Mapping):
            return value
        return [_walk(items, item, f"{path}[{i}]", unknown) for i, item in enumerate(value)]
    if not isinstance(value, dict):
        return value
    return _walk_object(schema, value, path, unknown, root=root)


def _walk_object(
    schema: Mapping[str, Any], value: Obj, path: str, unknown: list[str], *, root: bool
) -> Obj:
    properties = schema.get("properties") or {}
    extra = schema.get("additionalProperties")
    preserve = bool(schema.get("x-kubernetes-preserve-unknown-fields"))
    embedded = bool(schema.get("x-kubernetes-embedded-resource")) and not root
    kept: Obj = {}
    for key, item in value.items():
        where = f"{path}.{key}" if path else key
        if key in properties:
            kept[key] = _walk(properties[key], item, where, unknown)
        elif isinstance(extra, Mapping):
            kept[key] = _walk(extra, item, where, unknown)
        elif extra is True or preserve or (embedded and key in ROOT_FIELDS):
            kept[key] = item
        else:
            unknown.append(where)
    return kept
