"""The parsed form of a template: a tree of plain dataclasses, evaluated by `execute`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Operand:
    line: int


@dataclass(frozen=True, slots=True)
class Literal(Operand):
    value: object


@dataclass(frozen=True, slots=True)
class Dot(Operand):
    pass


@dataclass(frozen=True, slots=True)
class Field(Operand):
    """`.a.b` relative to dot."""

    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Variable(Operand):
    """`$x.a.b`; `$` alone is the data the template was executed with."""

    name: str
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Function(Operand):
    name: str


@dataclass(frozen=True, slots=True)
class Chain(Operand):
    """`(pipeline).a.b`."""

    base: Pipeline
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Command:
    operands: tuple[Operand | Pipeline, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Pipeline:
    commands: tuple[Command, ...]
    declare: tuple[str, ...] = ()
    assign: bool = False
    line: int = 0


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Action:
    pipeline: Pipeline


@dataclass(frozen=True, slots=True)
class Branch:
    """`if`, `with` and `range` share one shape: a pipeline, a body and an `else` body."""

    keyword: str
    pipeline: Pipeline
    body: tuple[Node, ...]
    otherwise: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class LoopControl:
    keyword: str  # "break" | "continue"


Node = Text | Action | Branch | LoopControl
