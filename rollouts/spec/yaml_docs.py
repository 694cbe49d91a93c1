"""Multi-document YAML, split so one broken document does not hide the others.

PyYAML stops a whole stream at the first syntax error; Kubernetes manifests are usually several
objects in one file, so each `---` section is parsed on its own and errors keep file-level line
numbers. Duplicate keys are errors (kubectl refuses them; PyYAML would keep the last silently).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode

_DOCUMENT_START = re.compile(r"^---(?:[ \t].*)?$")


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys."""


def _construct_mapping(loader: _StrictLoader, node: MappingNode, deep: bool = False) -> Any:
    seen: set[Hashable] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            continue
        if key in seen:
            raise ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"found duplicate key {key!r}",
                key_node.start_mark,
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """One parsed document: `number` counts non-empty documents from 1; `line` is 1-based."""

    number: int
    line: int
    data: Any = None
    error: str | None = None


def _sections(text: str) -> Iterator[tuple[int, str]]:
    lines = text.splitlines(keepends=True)
    start = 0
    for index, line in enumerate(lines):
        if index > start and _DOCUMENT_START.match(line.rstrip("\r\n")):
            yield start, "".join(lines[start:index])
            start = index
    yield start, "".join(lines[start:])


def _error_text(exc: yaml.YAMLError, first_line: int) -> str:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        detail = "; ".join(part for part in (exc.context, exc.problem) if part)
        if mark is not None:
            line, column = first_line + mark.line + 1, mark.column + 1
            return f"YAML syntax error at line {line}, column {column}: {detail}"
        return f"YAML syntax error: {detail}"
    return f"YAML syntax error: {exc}"


def parse_documents(text: str) -> Iterator[YamlDocument]:
    """Yield every non-empty document; a syntax error is yielded as a document with `error`."""
    number = 0
    for first_line, section in _sections(text):
        try:
            data = yaml.load(section, Loader=_StrictLoader)
        except yaml.YAMLError as exc:
            number += 1
            yield YamlDocument(
                number=number, line=first_line + 1, error=_error_text(exc, first_line)
            )
            continue
        if data is None:
            continue
        number += 1
        yield YamlDocument(number=number, line=first_line + 1, data=data)
