"""CRD schemas seen the way the API server sees them.

`structural_problems` lists violations of the structural-schema rules of apiextensions.k8s.io/v1
(a CRD that breaks them is refused). `to_json_schema` turns a structural schema into a JSON
Schema that rejects unknown fields (kubectl's default strict field validation) outside
`x-kubernetes-preserve-unknown-fields`; `prune_nulls` drops nulls as the server does for fields
that are not `nullable`.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]
JUNCTORS = ("allOf", "anyOf", "oneOf", "not")
FORBIDDEN_IN_JUNCTORS = ("description", "type", "default", "additionalProperties", "nullable")
INT_OR_STRING = [{"type": "integer"}, {"type": "string"}]


def structural_problems(node: Schema, path: str = "") -> list[str]:
    problems: list[str] = []
    _check_node(node, path or "<root>", problems)
    return problems


def _check_node(node: Schema, path: str, problems: list[str]) -> None:
    typed = "type" in node
    exempt = node.get("x-kubernetes-int-or-string") or node.get(
        "x-kubernetes-preserve-unknown-fields"
    )
    if not typed and not exempt:
        problems.append(f"{path}: no type")
    if "$ref" in node:
        problems.append(f"{path}: $ref is not allowed")
    if "properties" in node and "additionalProperties" in node:
        problems.append(f"{path}: properties and additionalProperties are exclusive")
    if node.get("x-kubernetes-int-or-string") and node.get("anyOf") not in (None, INT_OR_STRING):
        problems.append(f"{path}: int-or-string must be anyOf integer, string")
    for junctor in JUNCTORS:
        for branch in _branches(node.get(junctor)):
            forbidden = [key for key in FORBIDDEN_IN_JUNCTORS if key in branch]
            if forbidden and not node.get("x-kubernetes-int-or-string"):
                problems.append(f"{path}.{junctor}: sets {forbidden}")
    if node.get("type") == "object" and node.get("x-kubernetes-map-type") not in (
        None,
        "atomic",
        "granular",
    ):
        problems.append(f"{path}: bad x-kubernetes-map-type")
    for name, child in node.get("properties", {}).items():
        if name == "metadata" and path == "<root>":
            if set(child) - {"type"}:
                problems.append("metadata: only its type may be given")
            continue
        _check_node(child, f"{path}.{name}", problems)
    if "items" in node:
        _check_node(node["items"], f"{path}[]", problems)
    if isinstance(node.get("additionalProperties"), dict):
        _check_node(node["additionalProperties"], f"{path}{{}}", problems)
    declared = node.get("properties", {})
    for name in node.get("required", []):
        if name not in declared and not node.get("x-kubernetes-preserve-unknown-fields"):
            problems.append(f"{path}: required {name} is not a declared field")


def _branches(value: Any) -> list[Schema]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def to_json_schema(node: Schema) -> Schema:
    result: Schema = {}
    for key, value in node.items():
        if key == "properties":
            result[key] = {name: to_json_schema(child) for name, child in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            result[key] = to_json_schema(value)
        elif key == "anyOf":
            result[key] = [to_json_schema(child) for child in value]
        elif key.startswith("x-kubernetes-") or key in ("description", "format", "default"):
            continue
        else:
            result[key] = value
    closed = node.get("type") == "object" and not node.get("x-kubernetes-preserve-unknown-fields")
    if closed and "additionalProperties" not in node:
        result["additionalProperties"] = False
    return result


def prune_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: prune_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [prune_nulls(item) for item in value]
    return value


def object_json_schema(crd: Schema) -> Schema:
    """JSON Schema of a whole object: ObjectMeta is the server's, never closed by the CRD."""
    schema = to_json_schema(version_schema(crd))
    schema["properties"]["metadata"] = {"type": "object"}
    return schema


def version_schema(crd: Schema) -> Schema:
    (version,) = crd["spec"]["versions"]
    schema: Schema = version["schema"]["openAPIV3Schema"]
    return schema
