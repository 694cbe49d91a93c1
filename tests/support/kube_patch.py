"""The PATCH flavours the fake accepts.

- `application/merge-patch+json` (RFC 7386): objects merge, `null` deletes, lists are replaced.
- `application/strategic-merge-patch+json` (built-in kinds only, see kube_strategic): lists
  merged by their field's key, `$patch`, `$setElementOrder`, `$retainKeys` directives.
- `application/json-patch+json` (RFC 6902): add, remove, replace, move, copy, test.
- `application/apply-patch+yaml` (server-side apply, YAML or JSON): merged as a merge patch,
  and a missing object is created (kube_http). The real server tracks field managers
  (`managedFields`), removes the fields a manager stopped applying, merges associative lists
  by key and reports conflicts between managers (409 unless `force`); the fake does none of it.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml

from tests.support.kube_errors import KubeError
from tests.support.kube_strategic import strategic_merge

MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
APPLY = "application/apply-patch+yaml"
PATCH_TYPES = (MERGE, STRATEGIC, JSON_PATCH, APPLY)


def content_kind(content_type: str) -> str:
    return content_type.split(";", maxsplit=1)[0].strip().lower()


def apply_body(body: Any, name: str) -> dict[str, Any]:
    """The object of a server-side apply request (YAML or JSON), checked against the URL."""
    if isinstance(body, str):
        try:
            body = yaml.safe_load(body)
        except yaml.YAMLError as error:
            raise KubeError.bad_request(f"error decoding YAML: {error}") from None
    if not isinstance(body, dict):
        raise KubeError.bad_request("an apply patch must be an object")
    metadata = body.get("metadata")
    if not isinstance(metadata, dict):
        metadata = {}
    if metadata.get("name") not in (None, name):
        raise KubeError.bad_request("the name of the object does not match the name on the URL")
    if not body.get("apiVersion") or not body.get("kind"):
        raise KubeError.bad_request("apiVersion and kind must be set in an apply patch")
    return body


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def apply_patch(content_type: str, target: dict[str, Any], patch: Any) -> dict[str, Any]:
    kind = content_kind(content_type)
    if kind == APPLY:
        patch = apply_body(patch, str((target.get("metadata") or {}).get("name", "")))
    if kind == STRATEGIC and isinstance(patch, dict):
        result: Any = strategic_merge(copy.deepcopy(target), patch)
    elif kind in (MERGE, STRATEGIC, APPLY):
        if not isinstance(patch, dict):
            raise KubeError.bad_request("a merge patch must be a JSON object")
        result = merge_patch(copy.deepcopy(target), patch)
    elif kind == JSON_PATCH:
        if not isinstance(patch, list):
            raise KubeError.bad_request("a JSON patch must be a JSON array of operations")
        result = copy.deepcopy(target)
        for operation in patch:
            result = _json_patch_operation(result, operation)
    else:
        raise KubeError.unsupported_media(content_type)
    if not isinstance(result, dict):
        raise KubeError.bad_request("the patched document is not an object")
    return result


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise KubeError(422, "Invalid", f"invalid JSON pointer {path!r}")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _parent(document: Any, parts: list[str]) -> Any:
    node = document
    for part in parts[:-1]:
        node = _child(node, part)
    return node


def _child(node: Any, part: str) -> Any:
    try:
        return node[int(part)] if isinstance(node, list) else node[part]
    except (KeyError, IndexError, ValueError, TypeError):
        raise KubeError(422, "Invalid", f"JSON patch path does not exist: {part!r}") from None


def _get(document: Any, path: str) -> Any:
    node = document
    for part in _pointer(path):
        node = _child(node, part)
    return node


def _add(document: Any, path: str, value: Any) -> Any:
    parts = _pointer(path)
    if not parts:
        return copy.deepcopy(value)
    parent, last = _parent(document, parts), parts[-1]
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        if not 0 <= index <= len(parent):
            raise KubeError(422, "Invalid", f"JSON patch index out of range: {path}")
        parent.insert(index, copy.deepcopy(value))
    elif isinstance(parent, dict):
        parent[last] = copy.deepcopy(value)
    else:
        raise KubeError(422, "Invalid", f"JSON patch cannot add under {path}")
    return document


def _remove(document: Any, path: str) -> Any:
    parts = _pointer(path)
    parent = _parent(document, parts)
    _child(parent, parts[-1])
    if isinstance(parent, list):
        del parent[int(parts[-1])]
    else:
        del parent[parts[-1]]
    return document


def _json_patch_operation(document: Any, operation: Any) -> Any:
    if not isinstance(operation, dict) or "op" not in operation or "path" not in operation:
        raise KubeError.bad_request(f"malformed JSON patch operation: {operation!r}")
    op, path = operation["op"], operation["path"]
    if op == "add":
        return _add(document, path, operation.get("value"))
    if op == "remove":
        return _remove(document, path)
    if op == "replace":
        _get(document, path)
        return _add(_remove(document, path), path, operation.get("value"))
    if op in ("move", "copy"):
        value = copy.deepcopy(_get(document, operation["from"]))
        if op == "move":
            document = _remove(document, operation["from"])
        return _add(document, path, value)
    if op == "test":
        if _get(document, path) != operation.get("value"):
            raise KubeError(422, "Invalid", f"JSON patch test failed at {path}")
        return document
    raise KubeError.bad_request(f"unknown JSON patch operation {op!r}")
