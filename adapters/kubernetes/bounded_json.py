"""JSON from the API server, decoded without ever raising RecursionError.

The API server accepts objects nested up to 10,000 levels; Python's `json` recurses once per
level and fails past about 1,000, and it fails for the whole answer: one deep Rollout made the
informer's list undecodable, so it listed again for ever and served no other rollout. Such an
answer is decoded again with every collection nested deeper than `KEEP_DEPTH` replaced by
null: the object is still deeper than any manifest may be (`rollouts.spec.limits.MAX_DEPTH`),
so validation refuses it with its path, and only that object.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rollouts.spec.limits import MAX_DEPTH

# A list answer wraps each object in two levels (`items`, the list), a watch line in one.
KEEP_DEPTH = MAX_DEPTH + 8
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def loads(data: bytes | str) -> Any:
    """`json.loads`, except that collections nested deeper than `KEEP_DEPTH` become null when
    the text is too deep for Python to decode. Raises ValueError for text that is not JSON."""
    try:
        return json.loads(data)
    except RecursionError:
        text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
        return json.loads(pruned(text, KEEP_DEPTH))


def pruned(text: str, keep: int) -> str:
    """`text` with each collection at nesting level `keep + 1` replaced by `null`; strings are
    skipped whole, so brackets inside them do not count."""
    parts: list[str] = []
    depth, copied = 0, 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token[0] == '"':
            continue
        if token in "[{":
            depth += 1
            if depth == keep + 1:
                parts.append(text[copied : match.start()])
            continue
        if depth == keep + 1:
            parts.append("null")
            copied = match.end()
        depth -= 1
    parts.append(text[copied:])
    return "".join(parts)
