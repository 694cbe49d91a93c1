"""Argument placeholders in metrics: `{{args.name}}` anywhere, substituted the way Argo does.

Argo substitutes into the metric's JSON text, so a placeholder works in any field (queries,
URLs, headers, counts, conditions) and each value is JSON-string-escaped first: a value holding
quotes or newlines cannot break the metric apart. Spaces inside the braces are allowed. Every
tag must resolve, except those of secret arguments, which stay placeholders until the moment
of measuring so that secret values never enter the event stream.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from rollouts.analysis.runspec.errors import RunSpecError

OPEN, CLOSE = "{{", "}}"
ARG_PREFIX = "args."


def substitute(
    metric: Mapping[str, Any], args: Mapping[str, str], *, keep: Collection[str] = ()
) -> dict[str, Any]:
    """`metric` with every `{{args.x}}` replaced by `args[x]`; `keep` names arguments whose
    placeholders stay as they are. Any other tag raises `failed to resolve {{...}}`."""
    text = json.dumps(metric, separators=(",", ":"), ensure_ascii=False)
    substituted: dict[str, Any] = json.loads(substitute_text(text, args, keep=keep))
    return substituted


def substitute_text(text: str, args: Mapping[str, str], *, keep: Collection[str] = ()) -> str:
    """Substitute into JSON text (values are escaped for a JSON string)."""
    pieces: list[str] = []
    unresolved = ""
    position = 0
    while (start := text.find(OPEN, position)) >= 0:
        end = text.find(CLOSE, start + len(OPEN))
        if end < 0:
            raise RunSpecError(
                f'Cannot find end tag="{CLOSE}" in the template="{text}" '
                f'starting from "{text[start + len(OPEN) :]}"'
            )
        pieces.append(text[position:start])
        tag = text[start + len(OPEN) : end]
        name = _argument_name(tag)
        if name is not None and name in args:
            pieces.append(_json_escaped(args[name]))
        elif name is not None and name in keep:
            pieces.append(text[start : end + len(CLOSE)])
        else:
            unresolved = f"failed to resolve {OPEN}{tag}{CLOSE}"
        position = end + len(CLOSE)
    pieces.append(text[position:])
    if unresolved:
        raise RunSpecError(unresolved)
    return "".join(pieces)


def placeholder_names(metric: Mapping[str, Any]) -> tuple[str, ...]:
    """Argument names the metric's placeholders use, in order of first appearance."""
    text = json.dumps(metric, separators=(",", ":"), ensure_ascii=False)
    found: dict[str, None] = {}
    position = 0
    while (start := text.find(OPEN, position)) >= 0:
        end = text.find(CLOSE, start + len(OPEN))
        if end < 0:
            break
        name = _argument_name(text[start + len(OPEN) : end])
        if name is not None:
            found[name] = None
        position = end + len(CLOSE)
    return tuple(found)


def _argument_name(tag: str) -> str | None:
    cleaned = tag.strip()
    if not cleaned.startswith(ARG_PREFIX):
        return None
    return cleaned[len(ARG_PREFIX) :]


def _json_escaped(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]
