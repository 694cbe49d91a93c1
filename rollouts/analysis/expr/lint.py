"""What can be said about a condition before any data: static limits and regex literals.

`rollouts lint` (and the controller's spec checks) refuse a condition that can never run: one
over the size or depth limits, or one whose literal `matches` pattern RE2 (Go's regexp) rejects,
such as a backreference. Other compile errors are left to the analysis run, as in Argo, which
reports them as an Error measurement. Argument placeholders (`{{args.x}}`) are not substituted
yet, so each counts as one name, and a pattern holding one is not judged.
"""

from __future__ import annotations

from rollouts.analysis.expr import nodes as n
from rollouts.analysis.expr.errors import ConditionError, ConditionTooLargeError
from rollouts.analysis.expr.limits import children
from rollouts.analysis.expr.parser import parse
from rollouts.analysis.expr.regex import compile_pattern

_PLACEHOLDER = "__arg__"


def condition_problem(expression: str) -> str | None:
    """Why this condition can never be evaluated, or None when nothing is known against it."""
    try:
        tree = parse(_without_placeholders(expression))
    except ConditionTooLargeError as exc:
        return str(exc)
    except ConditionError:
        return None
    for node in _nodes(tree):
        pattern = _literal_pattern(node)
        if pattern is None or _PLACEHOLDER in pattern:
            continue
        try:
            compile_pattern(pattern)
        except ConditionError as exc:
            return str(exc)
    return None


def _without_placeholders(text: str) -> str:
    """Each `{{...}}` replaced by a plain name; linear, whatever the text."""
    parts: list[str] = []
    position = 0
    while (start := text.find("{{", position)) >= 0:
        end = text.find("}}", start + 2)
        if end < 0:
            break
        parts += [text[position:start], _PLACEHOLDER]
        position = end + 2
    parts.append(text[position:])
    return "".join(parts)


def _nodes(tree: n.Node) -> list[n.Node]:
    found, stack = [], [tree]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(children(node))
    return found


def _literal_pattern(node: n.Node) -> str | None:
    if isinstance(node, n.Binary) and node.op == "matches" and isinstance(node.right, n.Literal):
        value = node.right.value
        return value if isinstance(value, str) else None
    return None
