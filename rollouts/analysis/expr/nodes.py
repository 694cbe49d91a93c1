"""Syntax tree produced by the parser and consumed by the compiler.

Positions (line, column) are kept only where a later check can fail on the node (names,
pointers, calls), so compile-time errors can say where the offending token is.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Node:
    pass


@dataclass(slots=True)
class Literal(Node):
    value: object


@dataclass(slots=True)
class Name(Node):
    name: str
    line: int
    column: int


@dataclass(slots=True)
class Pointer(Node):
    """`#` (current element) or `#index` inside a predicate."""

    name: str
    line: int
    column: int


@dataclass(slots=True)
class Unary(Node):
    op: str
    operand: Node


@dataclass(slots=True)
class Binary(Node):
    """Arithmetic, `..`, `??` and the comparison/membership family (`negate` for `not in`)."""

    op: str
    left: Node
    right: Node
    negate: bool = False
    grouped: bool = False


@dataclass(slots=True)
class Logic(Node):
    op: str  # "and" | "or"
    left: Node
    right: Node
    chained: bool = False  # built from `a < b < c`; its right side is the last comparison


@dataclass(slots=True)
class Conditional(Node):
    test: Node
    if_true: Node | None  # None for the elvis form `a ?: b`
    if_false: Node


@dataclass(slots=True)
class Attr:
    name: str
    optional: bool


@dataclass(slots=True)
class Index:
    key: Node
    optional: bool


@dataclass(slots=True)
class Slice:
    low: Node | None
    high: Node | None


Trailer = Attr | Index | Slice


@dataclass(slots=True)
class Chain(Node):
    """A primary followed by member accesses; `?.` anywhere makes the whole chain nil-safe."""

    base: Node
    trailers: list[Trailer]


@dataclass(slots=True)
class Block(Node):
    """`{ ... }` around a predicate argument."""

    body: Node


@dataclass(slots=True)
class Call(Node):
    name: str
    args: list[Node]
    line: int
    column: int


@dataclass(slots=True)
class ArrayLit(Node):
    items: list[Node]


@dataclass(slots=True)
class MapLit(Node):
    pairs: list[tuple[Node, Node]] = field(default_factory=list)
