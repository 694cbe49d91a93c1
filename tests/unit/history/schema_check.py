"""A small JSON Schema checker for the subset pydantic generates (no validator is a dependency).

It checks types, enums and consts, required and additional properties, array items, anyOf and
local `$ref`s, which is every keyword in the generated files that constrains a value.
"""

from __future__ import annotations

from typing import Any

TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
    "null": (type(None),),
}


def resolve(root: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = root
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    assert isinstance(node, dict), ref
    return node


def _type_ok(value: Any, name: str) -> bool:
    if isinstance(value, bool) and name in ("integer", "number"):
        return False
    return isinstance(value, TYPES[name])


def problems(value: Any, schema: dict[str, Any], root: dict[str, Any], at: str = "$") -> list[str]:
    if "$ref" in schema:
        return problems(value, resolve(root, schema["$ref"]), root, at)
    if "anyOf" in schema:
        if any(not problems(value, option, root, at) for option in schema["anyOf"]):
            return []
        return [f"{at}: {value!r} matches no anyOf option"]
    found = []
    if "type" in schema and not _type_ok(value, schema["type"]):
        return [f"{at}: {value!r} is not {schema['type']}"]
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{at}: {value!r} not in {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        found.append(f"{at}: {value!r} is not {schema['const']!r}")
    if isinstance(value, dict):
        found += _object(value, schema, root, at)
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            found += problems(item, schema["items"], root, f"{at}[{index}]")
    return found


def _object(
    value: dict[str, Any], schema: dict[str, Any], root: dict[str, Any], at: str
) -> list[str]:
    properties = schema.get("properties", {})
    found = [f"{at}: missing {key}" for key in schema.get("required", []) if key not in value]
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        if key in properties:
            found += problems(item, properties[key], root, f"{at}.{key}")
        elif extra is False:
            found.append(f"{at}: unexpected {key}")
        elif isinstance(extra, dict):
            found += problems(item, extra, root, f"{at}.{key}")
    return found
