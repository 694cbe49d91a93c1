"""Text to syntax tree, with Lark's LALR parser building nodes as it reduces.

The tree is built by an inline transformer (no intermediate parse tree), which keeps a parse of
a typical condition well under 100 µs. Lark's own exceptions never escape: they become
`ConditionSyntaxError` with the offending token and its line/column.
"""

from __future__ import annotations

from functools import cache

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from rollouts.analysis.expr import nodes as n
from rollouts.analysis.expr.errors import ConditionSyntaxError
from rollouts.analysis.expr.grammar import GRAMMAR
from rollouts.analysis.expr.limits import check_source, check_tree
from rollouts.analysis.expr.literals import decode_float, decode_int, decode_string

_ORDERING = frozenset({"<", "<=", ">", ">="})


@v_args(inline=True)
class _ToNodes(Transformer[Token, n.Node]):
    """One method per grammar alias; each returns a node (or a piece of one)."""

    def cond(self, test: n.Node, if_true: n.Node, if_false: n.Node) -> n.Node:
        return n.Conditional(test, if_true, if_false)

    def elvis(self, test: n.Node, if_false: n.Node) -> n.Node:
        return n.Conditional(test, None, if_false)

    def logic(self, left: n.Node, op: Token, right: n.Node) -> n.Node:
        return n.Logic("or" if op.type in ("OR", "OROR") else "and", left, right)

    def compare(self, left: n.Node, op: Token, right: n.Node) -> n.Node:
        # expr rewrites `a < b < c` into `a < b && b < c`; a parenthesised left side stays whole.
        if op in _ORDERING:
            tail = _chain_tail(left)
            if tail is not None:
                return n.Logic("and", left, n.Binary(str(op), tail, right), chained=True)
        return n.Binary(str(op), left, right)

    def not_compare(self, left: n.Node, _not: Token, op: Token, right: n.Node) -> n.Node:
        return n.Binary(str(op), left, right, negate=True)

    def binary(self, left: n.Node, op: Token, right: n.Node) -> n.Node:
        return n.Binary(str(op), left, right)

    def unary(self, op: Token, operand: n.Node) -> n.Node:
        return n.Unary("!" if op == "not" else str(op), operand)

    def paren(self, inner: n.Node) -> n.Node:
        if isinstance(inner, n.Binary):
            inner.grouped = True
        elif isinstance(inner, n.Logic):
            inner.chained = False
        return inner

    def chain(self, base: n.Node, *trailers: n.Trailer) -> n.Node:
        return n.Chain(base, list(trailers))

    def t_attr(self, name: str) -> n.Trailer:
        return n.Attr(name, optional=False)

    def t_opt_attr(self, _qdot: Token, name: str) -> n.Trailer:
        return n.Attr(name, optional=True)

    def t_index(self, key: n.Node) -> n.Trailer:
        return n.Index(key, optional=False)

    def t_opt_index(self, _qdot: Token, key: n.Node) -> n.Trailer:
        return n.Index(key, optional=True)

    def t_slice(self, low: n.Node | None, _colon: Token, high: n.Node | None) -> n.Trailer:
        return n.Slice(low, high)

    def member_name(self, token: Token | str) -> str:
        return str(token)

    def keyword(self, token: Token) -> str:
        return str(token)

    def int_lit(self, token: Token) -> n.Node:
        return n.Literal(decode_int(token, token.line or 0, token.column or 0))

    def float_lit(self, token: Token) -> n.Node:
        return n.Literal(decode_float(token, token.line or 0, token.column or 0))

    def str_lit(self, token: Token) -> n.Node:
        return n.Literal(decode_string(token, token.line or 0, token.column or 0))

    def raw_str_lit(self, token: Token) -> n.Node:
        return n.Literal(str(token)[1:-1])

    def true_lit(self, _token: Token) -> n.Node:
        return n.Literal(True)

    def false_lit(self, _token: Token) -> n.Node:
        return n.Literal(False)

    def nil_lit(self, _token: Token) -> n.Node:
        return n.Literal(None)

    def var(self, token: Token) -> n.Node:
        return n.Name(str(token), token.line or 0, token.column or 0)

    def call(self, token: Token, args: list[n.Node] | None) -> n.Node:
        return n.Call(str(token), args or [], token.line or 0, token.column or 0)

    def pointer(self, token: Token) -> n.Node:
        return n.Pointer(str(token)[1:], token.line or 0, token.column or 0)

    def pointer_attr(self, name: str) -> n.Node:
        return n.Chain(n.Pointer("", 0, 0), [n.Attr(name, optional=False)])

    def array(self, items: list[n.Node] | None) -> n.Node:
        return n.ArrayLit(items or [])

    def map_lit(self, pairs: list[tuple[n.Node, n.Node]] | None) -> n.Node:
        return n.MapLit(pairs or [])

    def args(self, *items: n.Node | None) -> list[n.Node]:
        return [item for item in items if item is not None]

    items = args

    def pairs(self, *pairs: tuple[n.Node, n.Node] | None) -> list[tuple[n.Node, n.Node]]:
        return [pair for pair in pairs if pair is not None]

    def pair(self, key: n.Node, value: n.Node) -> tuple[n.Node, n.Node]:
        return key, value

    def block(self, body: n.Node) -> n.Node:
        return n.Block(body)

    def key_name(self, token: Token) -> n.Node:
        return n.Literal(str(token))

    def key_str(self, token: Token) -> n.Node:
        return self.str_lit(token)

    def key_raw(self, token: Token) -> n.Node:
        return self.raw_str_lit(token)

    def key_expr(self, inner: n.Node) -> n.Node:
        return inner


def _chain_tail(left: n.Node) -> n.Node | None:
    """The operand a further `< x` compares against, if `left` is an unparenthesised chain."""
    if isinstance(left, n.Logic) and left.chained:
        left = left.right
    if isinstance(left, n.Binary) and left.op in _ORDERING and not left.grouped:
        return left.right
    return None


@cache
def _parser() -> Lark:
    """Built once per process on first use (about 0.1 s), never at import: a CLI command that
    only reads specs must not pay for the grammar. Long-running processes call `warm_up()`."""
    return Lark(GRAMMAR, parser="lalr", lexer="contextual", transformer=_ToNodes())


def warm_up() -> None:
    """Build the parser now, so the first condition a process meets costs what any other does."""
    _parser()


def parse(text: str) -> n.Node:
    """The syntax tree of `text`, which is bounded first (limits.py) so parsing stays cheap."""
    check_source(text)
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, text) from None
    assert isinstance(tree, n.Node)
    check_tree(tree)
    return tree


def _syntax_error(exc: UnexpectedInput, text: str) -> ConditionSyntaxError:
    if isinstance(exc, UnexpectedEOF) or (
        isinstance(exc, UnexpectedToken) and exc.token.type == "$END"
    ):
        lines = text.split("\n")
        return ConditionSyntaxError("unexpected end of expression", len(lines), len(lines[-1]) + 1)
    if isinstance(exc, UnexpectedToken):
        message = f"unexpected token {str(exc.token)!r}"
    elif isinstance(exc, UnexpectedCharacters):
        message = f"unexpected character {exc.char!r}"
    else:  # pragma: no cover - Lark raises no other UnexpectedInput subclass
        message = "syntax error"
    return ConditionSyntaxError(message, exc.line, exc.column, exc.get_context(text, span=30))
