"""Executing a parsed template against plain data, with Go's text/template semantics.

The data is JSON-shaped; a field reads a map key and nothing else, so no Python attribute or
method is ever reachable from a template (the one exception is the explicit method whitelist of
`GoTime`). Work and output are bounded: a template is configuration, but a runaway `range` must
not stall the notifier.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Final

from adapters.notify.gotemplate import nodes as n
from adapters.notify.gotemplate.builtins import GO_BUILTINS
from adapters.notify.gotemplate.errors import TemplateError, TemplateLimitError
from adapters.notify.gotemplate.gotime import GoTime
from adapters.notify.gotemplate.sprig import SPRIG
from adapters.notify.gotemplate.values import MISSING, format_value, truth, type_name

MAX_STEPS = 200_000
MAX_OUTPUT = 1_000_000
FUNCTIONS: Final[Mapping[str, Callable[..., object]]] = {**SPRIG, **GO_BUILTINS}


class _NoFinal:
    """No previous command in the pipeline (distinct from a previous result that is MISSING)."""


NO_FINAL: Final = _NoFinal()


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


def execute(body: Sequence[n.Node], data: object) -> str:
    state = _State(data)
    state.walk(data, body)
    return "".join(state.out)


class _State:
    def __init__(self, data: object) -> None:
        self.vars: list[tuple[str, object]] = [("$", data)]
        self.out: list[str] = []
        self.size = 0
        self.steps = 0

    def _step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise TemplateLimitError(f"template takes more than {MAX_STEPS} steps")

    def _write(self, text: str) -> None:
        self.size += len(text)
        if self.size > MAX_OUTPUT:
            raise TemplateLimitError(f"template output exceeds {MAX_OUTPUT} characters")
        self.out.append(text)

    def walk(self, dot: object, body: Sequence[n.Node]) -> None:
        for node in body:
            self._step()
            if isinstance(node, n.Text):
                self._write(node.text)
            elif isinstance(node, n.Action):
                value = self.pipeline(dot, node.pipeline)
                if not node.pipeline.declare:
                    self._write(format_value(value))
            elif isinstance(node, n.Branch):
                self._branch(dot, node)
            else:
                raise _Break() if node.keyword == "break" else _Continue()

    def _branch(self, dot: object, node: n.Branch) -> None:
        mark = len(self.vars)
        try:
            is_range = node.keyword == "range"
            value = self.pipeline(dot, node.pipeline, declare=not is_range)
            if is_range:
                self._range(dot, node, value)
            elif truth(value):
                self.walk(value if node.keyword == "with" else dot, node.body)
            else:
                self.walk(dot, node.otherwise)
        finally:
            del self.vars[mark:]

    def _range(self, dot: object, node: n.Branch, value: object) -> None:
        items = list(_iterate(value))
        if not items:
            self.walk(dot, node.otherwise)
            return
        mark = len(self.vars)
        names = node.pipeline.declare
        for key, element in items:
            self._step()
            if len(names) == 1:
                self.vars.append((names[0], element))
            elif len(names) == 2:
                self.vars.extend(((names[0], key), (names[1], element)))
            try:
                self.walk(element, node.body)
            except _Break:
                break
            except _Continue:
                continue
            finally:
                del self.vars[mark:]

    def pipeline(self, dot: object, pipe: n.Pipeline, *, declare: bool = True) -> object:
        value: object = NO_FINAL
        for command in pipe.commands:
            value = self._command(dot, command, value)
        if declare and pipe.declare:
            if pipe.assign:
                self._assign(pipe.declare[0], value, pipe.line)
            else:
                self.vars.append((pipe.declare[0], value))
        return value

    def _command(self, dot: object, command: n.Command, final: object) -> object:
        first, args = command.operands[0], command.operands[1:]
        if isinstance(first, n.Field):
            return self._chain(dot, dot, first.names, args, final)
        if isinstance(first, n.Chain):
            base = self.pipeline(dot, first.base, declare=False)
            return self._chain(dot, base, first.names, args, final)
        if isinstance(first, n.Variable) and first.names:
            return self._chain(dot, self._variable(first), first.names, args, final)
        if isinstance(first, n.Function):
            return self._call(dot, first.name, args, final, first.line)
        if args or final is not NO_FINAL:
            raise TemplateError(f"line {command.line}: can't give argument to non-function")
        return self._argument(dot, first)

    def _argument(self, dot: object, node: n.Operand | n.Pipeline) -> object:
        if isinstance(node, n.Pipeline):
            return self.pipeline(dot, node, declare=False)
        if isinstance(node, n.Literal):
            return node.value
        if isinstance(node, n.Dot):
            return dot
        if isinstance(node, n.Variable):
            value = self._variable(node)
            return self._chain(dot, value, node.names, (), NO_FINAL) if node.names else value
        if isinstance(node, n.Function):
            return self._call(dot, node.name, (), NO_FINAL, node.line)
        if isinstance(node, n.Field):
            return self._chain(dot, dot, node.names, (), NO_FINAL)
        if isinstance(node, n.Chain):
            base = self.pipeline(dot, node.base, declare=False)
            return self._chain(dot, base, node.names, (), NO_FINAL)
        raise TemplateError(f"unexpected operand {type(node).__name__}")

    def _variable(self, node: n.Variable) -> object:
        for name, value in reversed(self.vars):
            if name == node.name:
                return value
        raise TemplateError(f"line {node.line}: undefined variable: {node.name}")

    def _assign(self, name: str, value: object, line: int) -> None:
        for position in range(len(self.vars) - 1, -1, -1):
            if self.vars[position][0] == name:
                self.vars[position] = (name, value)
                return
        raise TemplateError(f"line {line}: undefined variable: {name}")

    def _chain(
        self,
        dot: object,
        receiver: object,
        names: Sequence[str],
        args: Sequence[n.Operand | n.Pipeline],
        final: object,
    ) -> object:
        for name in names[:-1]:
            receiver = self._field(dot, receiver, name, (), NO_FINAL)
        return self._field(dot, receiver, names[-1], args, final)

    def _field(
        self,
        dot: object,
        receiver: object,
        name: str,
        args: Sequence[n.Operand | n.Pipeline],
        final: object,
    ) -> object:
        self._step()
        if receiver is MISSING:
            return MISSING
        if receiver is None:
            raise TemplateError(f"nil pointer evaluating interface {{}}.{name}")
        if isinstance(receiver, GoTime):
            method = receiver.method(name)
            if method is None:
                raise TemplateError(f"can't evaluate field {name} in type time.Time")
            return _invoke(name, method, self._values(dot, args, final))
        if isinstance(receiver, Mapping):
            if args or final is not NO_FINAL:
                raise TemplateError(f"{name} is not a method but has arguments")
            return receiver.get(name, MISSING)
        raise TemplateError(f"can't evaluate field {name} in type {type_name(receiver)}")

    def _values(
        self, dot: object, args: Sequence[n.Operand | n.Pipeline], final: object
    ) -> list[object]:
        values = [self._argument(dot, arg) for arg in args]
        return values if final is NO_FINAL else [*values, final]

    def _call(
        self,
        dot: object,
        name: str,
        args: Sequence[n.Operand | n.Pipeline],
        final: object,
        line: int,
    ) -> object:
        self._step()
        if name in ("and", "or"):
            return self._logic(dot, name, args, final, line)
        function = FUNCTIONS.get(name)
        if function is None:
            raise TemplateError(f'line {line}: function "{name}" not defined')
        return _invoke(name, function, self._values(dot, args, final))

    def _logic(
        self,
        dot: object,
        name: str,
        args: Sequence[n.Operand | n.Pipeline],
        final: object,
        line: int,
    ) -> object:
        """`and`/`or` evaluate their arguments only until the answer is known (Go 1.18+)."""
        if not args and final is NO_FINAL:
            raise TemplateError(f"line {line}: wrong number of args for {name}: want at least 1")
        wanted = name == "or"
        value: object = MISSING
        for arg in args:
            value = self._argument(dot, arg)
            if truth(value) == wanted:
                return value
        return value if final is NO_FINAL else final


def _invoke(name: str, function: Callable[..., object], values: list[object]) -> object:
    try:
        return function(*values)
    except TemplateError:
        raise
    except (TypeError, ValueError, ArithmeticError, LookupError, OverflowError) as error:
        raise TemplateError(f"error calling {name}: {error}") from None


def _iterate(value: object) -> Iterator[tuple[object, object]]:
    if value is MISSING or value is None:
        return
    if isinstance(value, Mapping):
        for key in sorted(value, key=str):
            yield key, value[key]
    elif isinstance(value, Sequence) and not isinstance(value, str):
        yield from enumerate(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        for number in range(min(value, MAX_STEPS)):
            yield number, number
    else:
        raise TemplateError(f"range can't iterate over {format_value(value, top=False)}")
