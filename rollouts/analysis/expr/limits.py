"""Static limits of a condition: text length, token count, tree size and nesting depth.

A condition is user input that the controller compiles inside `decide`, so compiling it must be
cheap whatever the text. Lark parses at roughly 10 µs a token, so the text is bounded before Lark
sees it: a linear pre-scan counts tokens and bracket/prefix-operator nesting, then the parsed tree
is measured exactly (nodes and depth) without recursion. expr-lang refuses trees over 10,000 nodes
(`conf.DefaultMaxNodes`); Python's interpreter is about two orders of magnitude slower than Go's,
so the limits here are tighter but still far above any real condition (docs/conditions.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rollouts.analysis.expr import nodes as n
from rollouts.analysis.expr.errors import ConditionTooLargeError

MAX_LENGTH = 10_000  # characters of condition text
MAX_TOKENS = 1_000  # tokens the pre-scan counts before Lark parses
MAX_NODES = 500  # nodes of the syntax tree
MAX_DEPTH = 150  # nesting of the syntax tree (and of brackets/prefix operators in the text)

# One token per match. Strings are atomic (no backtracking); a quote or `/*` that does not
# close ends the scan, since Lark then stops at the same place with a syntax error.
_TOKEN = re.compile(
    r"""(?P<space>\s+|//[^\n]*)
    |(?P<comment>/\*)
    |(?P<string>"(?>[^"\\]|\\.)*+"|'(?>[^'\\]|\\.)*+'|`[^`]*+`)
    |(?P<open>[(\[{])
    |(?P<close>[)\]}])
    |(?P<word>[A-Za-z_$][A-Za-z0-9_$]*|\#[A-Za-z_$]*|[0-9][0-9A-Za-z_]*(?:\.[0-9][0-9A-Za-z_]*)?)
    |(?P<op>\?\?|\?\.|\.\.|\*\*|==|!=|<=|>=|&&|\|\||.)""",
    re.DOTALL | re.VERBOSE,
)
_PREFIX_OPS = frozenset({"!", "-", "+", "not"})
_BINARY_WORDS = frozenset({"and", "or", "in", "matches", "contains", "startsWith", "endsWith"})
_QUOTES = frozenset("\"'`")


def too_large(message: str) -> ConditionTooLargeError:
    return ConditionTooLargeError(message)


def check_source(text: str) -> None:
    """Refuse text that nests too deeply, has too many tokens, or is too long to parse cheaply.

    The scan stops at the first limit it passes, so it costs at most MAX_TOKENS tokens, and it
    reads no further than MAX_LENGTH + 1 characters: an unclosed quote in a megabyte of text
    would otherwise have the string pattern read all of it before the length is refused.
    """
    for tokens, depth in enumerate(_nesting(text[: MAX_LENGTH + 1]), start=1):
        if depth > MAX_DEPTH:
            raise too_large(f"expression is nested more than {MAX_DEPTH} levels deep")
        if tokens > MAX_TOKENS:
            raise too_large(
                f"condition has more than {MAX_TOKENS} tokens "
                f"(the syntax tree may hold at most {MAX_NODES} nodes)"
            )
    if len(text) > MAX_LENGTH:
        raise too_large(
            f"condition is {len(text)} characters long, more than the limit of {MAX_LENGTH}"
        )


def _nesting(text: str) -> Iterator[int]:
    """The nesting depth after each token: open brackets plus the current run of prefix ops."""
    saved: list[int] = []  # the prefix-run depth outside each open bracket
    outer = prefix = 0  # outer: len(saved) + sum(saved)
    expect_operand = True
    for kind, token in _tokens(text):
        if kind == "open":
            saved.append(prefix)
            outer, prefix, expect_operand = outer + 1 + prefix, 0, True
        elif kind == "close":
            popped = saved.pop() if saved else 0
            outer, prefix, expect_operand = max(0, outer - 1 - popped), 0, False
        elif expect_operand and token in _PREFIX_OPS:
            prefix += 1
        elif kind in ("word", "string") and token not in _BINARY_WORDS:
            prefix, expect_operand = 0, False
        else:
            expect_operand = token not in (".", "?.")
        yield outer + prefix


def _tokens(text: str) -> Iterator[tuple[str, str]]:
    """Kind and text of each token; stops at an unclosed quote or comment (a syntax error)."""
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        assert match is not None  # the last alternative matches any character
        kind, token = match.lastgroup or "op", match.group()
        if kind == "comment":
            close = text.find("*/", position + 2)
            if close < 0:
                return
            position = close + 2
            continue
        if kind == "op" and token in _QUOTES:
            return
        position = match.end()
        if kind != "space":
            yield kind, token


def check_tree(tree: n.Node) -> None:
    """Refuse a parsed tree over the node or depth limit; iterative, so any shape is safe."""
    count = 0
    stack: list[tuple[n.Node, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise too_large(f"expression has more than {MAX_NODES} nodes")
        if depth > MAX_DEPTH:
            raise too_large(f"expression is nested more than {MAX_DEPTH} levels deep")
        stack.extend((child, depth + 1) for child in children(node))


def children(node: n.Node) -> Iterator[n.Node]:
    """The direct sub-expressions of a node, trailers' expressions included."""
    if isinstance(node, n.Unary):
        yield node.operand
    elif isinstance(node, n.Binary | n.Logic):
        yield node.left
        yield node.right
    elif isinstance(node, n.Conditional):
        yield from (part for part in (node.test, node.if_true, node.if_false) if part is not None)
    elif isinstance(node, n.Chain):
        yield node.base
        yield from _trailer_nodes(node.trailers)
    elif isinstance(node, n.Block):
        yield node.body
    elif isinstance(node, n.Call | n.ArrayLit):
        yield from node.args if isinstance(node, n.Call) else node.items
    elif isinstance(node, n.MapLit):
        for key, value in node.pairs:
            yield key
            yield value


def _trailer_nodes(trailers: list[n.Trailer]) -> Iterator[n.Node]:
    for trailer in trailers:
        if isinstance(trailer, n.Index):
            yield trailer.key
        elif isinstance(trailer, n.Slice):
            yield from (bound for bound in (trailer.low, trailer.high) if bound is not None)
