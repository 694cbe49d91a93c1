"""What a compiled node is, and what the node compilers may ask of the compiler.

Calls (`calls.py`) and literals and chains (`structures.py`) compile their children through
the compiler that called them. They depend on this small interface rather than on
`compiler.Compiler` itself, so the compiler can import them without an import cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from rollouts.analysis.expr import nodes as n
from rollouts.analysis.expr.scope import Scope
from rollouts.analysis.expr.values import Kind

Evaluator = Callable[[Scope], object]
Compiled = tuple[Evaluator, Kind]


class NodeCompiler(Protocol):
    """The compiler as the node compilers see it: compile a child, count work."""

    work: int

    def compile(self, node: n.Node) -> Compiled: ...

    def compile_predicate(self, node: n.Node) -> tuple[Evaluator, int]: ...
