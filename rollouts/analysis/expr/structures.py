"""Member access chains and array/map literals.

A chain is a primary followed by `.name`, `[key]`, `[i:j]` steps. With `?.` on a step, a nil
value there makes the whole rest of the chain nil (expr's optional chaining); without it,
fetching from nil is an error, which is how `result[0]` fails on a nil result. Slices and
literals charge what they build to the evaluation's memory budget.
"""

from __future__ import annotations

from collections.abc import Callable

from rollouts.analysis.expr import nodes as n
from rollouts.analysis.expr.compiling import Compiled, Evaluator, NodeCompiler
from rollouts.analysis.expr.errors import ConditionTypeError
from rollouts.analysis.expr.scope import Scope
from rollouts.analysis.expr.values import LIST, MAP, describe, fetch, slice_of

Step = Callable[[object, Scope], object]


def compile_chain(compiler: NodeCompiler, node: n.Chain) -> Compiled:
    base, _ = compiler.compile(node.base)
    steps = [(_is_optional(t), _compile_step(compiler, t)) for t in node.trailers]
    if len(steps) == 1 and not steps[0][0]:
        only = steps[0][1]
        return (lambda scope: only(base(scope), scope)), None

    def run(scope: Scope) -> object:
        value = base(scope)
        for optional, step in steps:
            if optional and value is None:
                return None
            value = step(value, scope)
        return value

    return run, None


def _is_optional(trailer: n.Trailer) -> bool:
    return not isinstance(trailer, n.Slice) and trailer.optional


def _compile_step(compiler: NodeCompiler, trailer: n.Trailer) -> Step:
    if isinstance(trailer, n.Attr):
        name = trailer.name
        return lambda value, scope: fetch(value, name)
    if isinstance(trailer, n.Index):
        if isinstance(trailer.key, n.Literal):
            constant = trailer.key.value
            return lambda value, scope: fetch(value, constant)
        key, _ = compiler.compile(trailer.key)
        return lambda value, scope: fetch(value, key(scope))
    low = _optional_bound(compiler, trailer.low)
    high = _optional_bound(compiler, trailer.high)
    return lambda value, scope: scope.produced(slice_of(value, low(scope), high(scope)))


def _optional_bound(compiler: NodeCompiler, node: n.Node | None) -> Evaluator:
    if node is None:
        return lambda scope: None
    return compiler.compile(node)[0]


def compile_array(compiler: NodeCompiler, node: n.ArrayLit) -> Compiled:
    items = [compiler.compile(item)[0] for item in node.items]
    return (lambda scope: scope.produced([item(scope) for item in items])), LIST


def compile_map(compiler: NodeCompiler, node: n.MapLit) -> Compiled:
    pairs = [(compiler.compile(k)[0], compiler.compile(v)[0]) for k, v in node.pairs]

    def run(scope: Scope) -> dict[str, object]:
        built: dict[str, object] = {}
        for key, value in pairs:
            name = key(scope)
            if not isinstance(name, str):
                raise ConditionTypeError(f"map keys must be strings, got {describe(name)}")
            built[name] = value(scope)
        scope.produced(built)
        return built

    return run, MAP
