"""Label and field selectors, in the API server's query syntax.

Label selectors: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x,y)`, `a` (exists), `!a`
(does not exist), comma-separated (all must hold). Field selectors: `metadata.name` and
`metadata.namespace` with `=`, `==`, `!=`; any other field is refused with 400, as the real
server does for fields a kind does not index.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from tests.support.kube_errors import KubeError

Matcher = Callable[[Mapping[str, Any]], bool]
FIELDS = ("metadata.name", "metadata.namespace")
_SET = re.compile(r"^\s*(!?)\s*([\w./-]+)\s+(in|notin)\s+\((.*)\)\s*$")
_EQUALITY = re.compile(r"^\s*([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)\s*$")
_EXISTS = re.compile(r"^\s*(!?)\s*([\w./-]+)\s*$")


def split_top_level(text: str) -> list[str]:
    """Split at commas that are not inside parentheses."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [part for part in parts if part.strip()]


def label_requirement(text: str) -> Callable[[Mapping[str, str]], bool]:
    if found := _SET.match(text):
        negated, key, operator, values = found.groups()
        if negated:
            raise KubeError.bad_request(f"unable to parse requirement: {text!r}")
        allowed = {value.strip() for value in values.split(",")}
        if operator == "in":
            return lambda labels: labels.get(key) in allowed
        return lambda labels: labels.get(key) not in allowed
    if found := _EQUALITY.match(text):
        key, operator, value = found.groups()
        if operator == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    if found := _EXISTS.match(text):
        negated, key = found.groups()
        return (lambda labels: key not in labels) if negated else (lambda labels: key in labels)
    raise KubeError.bad_request(f"unable to parse requirement: {text!r}")


def label_matcher(selector: str | None) -> Matcher:
    requirements = [label_requirement(part) for part in split_top_level(selector or "")]

    def matches(obj: Mapping[str, Any]) -> bool:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        return all(requirement(labels) for requirement in requirements)

    return matches


def field_matcher(selector: str | None) -> Matcher:
    checks: list[Callable[[Mapping[str, Any]], bool]] = []
    for part in split_top_level(selector or ""):
        found = _EQUALITY.match(part)
        if found is None:
            raise KubeError.bad_request(f"invalid field selector: {part!r}")
        path, operator, value = found.groups()
        if path not in FIELDS:
            raise KubeError.bad_request(f'field label not supported: "{path}"')
        checks.append(_field_check(path.partition(".")[2], value, negated=operator == "!="))
    return lambda obj: all(check(obj) for check in checks)


def _field_check(field: str, value: str, *, negated: bool) -> Matcher:
    return lambda obj: (_meta(obj, field) == value) != negated


def _meta(obj: Mapping[str, Any], field: str) -> str:
    return str((obj.get("metadata") or {}).get(field, ""))


def selector_string(selector: Mapping[str, Any] | None) -> str:
    """A LabelSelector object (matchLabels, matchExpressions) in query syntax."""
    if not selector:
        return ""
    parts = [f"{key}={value}" for key, value in sorted((selector.get("matchLabels") or {}).items())]
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression["key"], expression["operator"]
        values = ",".join(sorted(expression.get("values") or []))
        parts.append(
            {
                "In": f"{key} in ({values})",
                "NotIn": f"{key} notin ({values})",
                "Exists": key,
                "DoesNotExist": f"!{key}",
            }[operator]
        )
    return ",".join(parts)
