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
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from rollouts.spec.limits import (
    MAX_DEPTH,
    MAX_DOCUMENT_BYTES,
    MAX_NODES,
    depth_message,
    nodes_message,
    path_text,
    size_message,
)

_DOCUMENT_START = re.compile(r"^---(?:[ \t].*)?$")
# libyaml parses about ten times faster than PyYAML's Python parser; both yield the same events.
_Parser: Any = getattr(yaml, "cyaml", None) and getattr(yaml.cyaml, "CParser", None)


class LimitExceeded(yaml.YAMLError):
    """A document deeper or larger than `rollouts.spec.limits` allows, found while composing."""

    def __init__(self, path: str, message: str, line: int) -> None:
        super().__init__(message)
        self.path, self.message, self.line = path, message, line


class _BoundedComposer(Composer):
    """PyYAML's composer, counting nesting and values as it goes (aliases by what they expand
    to), so a deep or exploding document is refused at the point it passes a limit, before
    PyYAML's own recursion or anything after it runs."""

    def __init__(self) -> None:
        Composer.__init__(self)
        self._depth = 0
        self._count = 0
        self._weights: dict[str, int] = {}
        self._path: list[str | int | None] = []

    def compose_document(self) -> Node | None:
        self._depth, self._count, self._weights, self._path = 0, 0, {}, []
        node: Node | None = super().compose_document()
        return node

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self._path.append(_segment(parent, index))
        try:
            event = self.peek_event()  # type: ignore[attr-defined]  # the parser mixed in
            if isinstance(event, AliasEvent):
                self._add(self._weights.get(event.anchor or "", 1), event)
                node: Node | None = super().compose_node(parent, index)
                return node
            nested = isinstance(event, MappingStartEvent | SequenceStartEvent)
            self._depth += nested
            if self._depth > MAX_DEPTH:
                raise self._exceeded(depth_message(), event)
            start = self._count
            self._add(1, event)
            node = super().compose_node(parent, index)
            if event.anchor is not None:
                self._weights[event.anchor] = self._count - start
            self._depth -= nested
            return node
        finally:
            self._path.pop()

    def _add(self, weight: int, event: Any) -> None:
        self._count += weight
        if self._count > MAX_NODES:
            raise self._exceeded(nodes_message(), event)

    def _exceeded(self, message: str, event: Any) -> LimitExceeded:
        mark = getattr(event, "start_mark", None)
        parts = [part for part in self._path if part is not None]
        return LimitExceeded(path_text(parts), message, (mark.line if mark else 0))


def _segment(parent: Node | None, index: Any) -> str | int | None:
    if isinstance(parent, SequenceNode) and isinstance(index, int):
        return index
    if isinstance(parent, MappingNode) and index is not None:
        return str(index.value) if isinstance(index, ScalarNode) else "<key>"
    return None


if _Parser is not None:

    class _StrictLoader(_BoundedComposer, _Parser, SafeConstructor, Resolver):  # type: ignore[misc]
        """libyaml's parser, the bounded composer, SafeLoader's constructor and resolver; a
        duplicate mapping key is an error."""

        def __init__(self, stream: str) -> None:
            _Parser.__init__(self, stream)
            _BoundedComposer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml

    class _StrictLoader(_BoundedComposer, yaml.SafeLoader):  # type: ignore[no-redef]
        """SafeLoader with the bounded composer; a duplicate mapping key is an error."""

        def __init__(self, stream: str) -> None:
            yaml.SafeLoader.__init__(self, stream)
            _BoundedComposer.__init__(self)


def _construct_mapping(loader: Any, node: MappingNode, deep: bool = False) -> Any:
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
    # Where a limit was passed (`rollouts.spec.limits`), for an error that has a field path.
    error_path: str = ""


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


def _load(section: str) -> Any:
    loader = _StrictLoader(section)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        if mark is None or "maximum nesting depth" not in str(exc.problem):
            raise
    finally:
        loader.dispose()
    # libyaml refuses 1,000 open flow collections while scanning ahead, before the composer
    # has seen them; the text up to that point is still over the limit, and composing it finds
    # the path where the limit was passed.
    lines = section.splitlines(keepends=True)
    cut = sum(len(line) for line in lines[: mark.line]) + mark.column
    prefix = _StrictLoader(section[:cut])
    try:
        prefix.get_single_data()
    except yaml.YAMLError as again:
        if isinstance(again, LimitExceeded):
            raise
    finally:
        prefix.dispose()
    raise LimitExceeded("", depth_message(), mark.line)


def parse_documents(text: str) -> Iterator[YamlDocument]:
    """Yield every non-empty document; a syntax error, or a document over the limits of
    `rollouts.spec.limits`, is yielded as a document with `error`."""
    number = 0
    for first_line, section in _sections(text):
        size = len(section.encode("utf-8", "surrogatepass"))
        try:
            if size > MAX_DOCUMENT_BYTES:
                raise LimitExceeded("", size_message(size), 0)
            data = _load(section)
        except LimitExceeded as exc:
            number += 1
            error = f"{exc.message} (line {first_line + exc.line + 1})"
            yield YamlDocument(number, first_line + 1, error=error, error_path=exc.path)
            continue
        except yaml.YAMLError as exc:
            number += 1
            yield YamlDocument(number, first_line + 1, error=_error_text(exc, first_line))
            continue
        if data is None:
            continue
        number += 1
        yield YamlDocument(number=number, line=first_line + 1, data=data)
