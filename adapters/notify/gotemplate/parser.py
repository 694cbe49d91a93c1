"""A recursive-descent parser for Go's text/template language (no define/template/block)."""

from __future__ import annotations

from functools import lru_cache

from adapters.notify.gotemplate import literals
from adapters.notify.gotemplate import nodes as n
from adapters.notify.gotemplate.errors import TemplateError
from adapters.notify.gotemplate.lexer import Segment, Token, split

MAX_DEPTH = 64
_KEYWORDS = frozenset({"if", "else", "end", "range", "with", "break", "continue"})
_UNSUPPORTED = frozenset({"define", "template", "block"})


@lru_cache(maxsize=512)
def parse(source: str) -> tuple[n.Node, ...]:
    """Parse once per distinct template text; the tree is immutable and safe to share."""
    parser = _Parser(split(source))
    body, _, _ = parser.nodes(frozenset())
    return tuple(body)


class _Parser:
    def __init__(self, segments: list[Segment]) -> None:
        self._segments = segments
        self._index = 0
        self._loops = 0
        self._depth = 0

    def nodes(self, stops: frozenset[str]) -> tuple[list[n.Node], Segment | None, str]:
        body: list[n.Node] = []
        while self._index < len(self._segments):
            segment = self._segments[self._index]
            self._index += 1
            if segment.tokens is None:
                body.append(n.Text(segment.text))
                continue
            first = segment.tokens[0]
            word = first.text if first.kind == "ident" else ""
            if word in ("end", "else"):
                if word not in stops:
                    raise TemplateError(f"line {segment.line}: unexpected {{{{{word}}}}}")
                return body, segment, word
            body.append(self._action(segment, word))
        if stops:
            raise TemplateError("unexpected end of template: missing {{end}}")
        return body, None, ""

    def _action(self, segment: Segment, word: str) -> n.Node:
        tokens, line = segment.tokens or (), segment.line
        if word in ("if", "with", "range"):
            return self._branch(word, tokens[1:], line)
        if word in ("break", "continue"):
            if self._loops == 0 or len(tokens) != 1:
                raise TemplateError(f"line {line}: {{{{{word}}}}} outside {{{{range}}}}")
            return n.LoopControl(word)
        if word in _UNSUPPORTED:
            raise TemplateError(f"line {line}: {{{{{word}}}}} is not supported in notifications")
        return n.Action(_Tokens(tokens, line).pipeline(declarations=1))

    def _branch(self, keyword: str, tokens: tuple[Token, ...], line: int) -> n.Branch:
        if not tokens:
            raise TemplateError(f"line {line}: missing value for {keyword}")
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise TemplateError(f"line {line}: blocks nested more than {MAX_DEPTH} deep")
        pipeline = _Tokens(tokens, line).pipeline(declarations=2 if keyword == "range" else 1)
        self._loops += keyword == "range"
        body, segment, stop = self.nodes(frozenset({"else", "end"}))
        self._loops -= keyword == "range"
        otherwise: tuple[n.Node, ...] = ()
        if stop == "else" and segment is not None:
            otherwise = self._else(keyword, segment)
        elif segment is not None and len(segment.tokens or ()) != 1:
            raise TemplateError(f"line {segment.line}: unexpected words after {{{{end}}}}")
        self._depth -= 1
        return n.Branch(keyword, pipeline, tuple(body), otherwise)

    def _else(self, keyword: str, segment: Segment) -> tuple[n.Node, ...]:
        rest = (segment.tokens or ())[1:]
        if rest:
            chained = rest[0].text if rest[0].kind == "ident" else ""
            if chained != keyword or keyword == "range":
                raise TemplateError(f"line {segment.line}: unexpected words after {{{{else}}}}")
            return (self._branch(keyword, rest[1:], segment.line),)
        body, closing, _ = self.nodes(frozenset({"end"}))
        if closing is not None and len(closing.tokens or ()) != 1:
            raise TemplateError(f"line {closing.line}: unexpected words after {{{{end}}}}")
        return tuple(body)


class _Tokens:
    """A cursor over one action's tokens."""

    def __init__(self, tokens: tuple[Token, ...], line: int) -> None:
        self._tokens = tokens
        self._index = 0
        self._line = line
        self._depth = 0

    def _peek(self, offset: int = 0) -> Token | None:
        index = self._index + offset
        return self._tokens[index] if index < len(self._tokens) else None

    def _error(self, message: str) -> TemplateError:
        return TemplateError(f"line {self._line}: {message}")

    def pipeline(self, *, declarations: int) -> n.Pipeline:
        declare, assign = self._declarations(declarations)
        pipeline = self._commands(declare, assign, closing=False)
        if self._peek() is not None:
            raise self._error(f"unexpected {self._peek().text!r}")  # type: ignore[union-attr]
        return pipeline

    def _declarations(self, limit: int) -> tuple[tuple[str, ...], bool]:
        """`$x :=`, `$x =` or, in range, `$i, $e :=`; anything else declares nothing."""
        first, second = self._peek(), self._peek(1)
        if first is None or second is None or not _plain_variable(first):
            return (), False
        if second.kind in ("declare", "assign"):
            self._index = 2
            return (first.text,), second.kind == "assign"
        third, fourth = self._peek(2), self._peek(3)
        if limit < 2 or second.kind != "comma" or third is None or fourth is None:
            return (), False
        if _plain_variable(third) and fourth.kind in ("declare", "assign"):
            self._index = 4
            return (first.text, third.text), fourth.kind == "assign"
        return (), False

    def _commands(self, declare: tuple[str, ...], assign: bool, *, closing: bool) -> n.Pipeline:
        commands: list[n.Command] = []
        while True:
            operands: list[n.Operand | n.Pipeline] = []
            while (token := self._peek()) is not None and token.kind not in ("pipe", "rparen"):
                operands.append(self._operand())
            if not operands:
                raise self._error("missing value for command")
            commands.append(n.Command(tuple(operands), self._line))
            token = self._peek()
            if token is None or token.kind == "rparen":
                if (token is None) == closing:
                    raise self._error("unmatched parenthesis")
                return n.Pipeline(tuple(commands), declare, assign, self._line)
            self._index += 1

    def _operand(self) -> n.Operand | n.Pipeline:
        token = self._tokens[self._index]
        self._index += 1
        line = self._line
        if token.kind == "field":
            return n.Field(line, tuple(token.text[1:].split(".")))
        if token.kind == "variable":
            name, *names = token.text.split(".")
            return n.Variable(line, name, tuple(names))
        if token.kind == "dot":
            return n.Dot(line)
        if token.kind == "lparen":
            return self._parenthesized()
        if token.kind == "ident":
            return self._identifier(token)
        if token.kind == "number":
            return n.Literal(line, literals.number(token.text, line))
        if token.kind == "string":
            return n.Literal(line, literals.string(token.text, line))
        if token.kind == "char":
            return n.Literal(line, literals.rune(token.text, line))
        raise self._error(f"unexpected {token.text!r} in operand")

    def _identifier(self, token: Token) -> n.Operand:
        constants: dict[str, object] = {"true": True, "false": False, "nil": None}
        if token.text in constants:
            return n.Literal(self._line, constants[token.text])
        if token.text in _KEYWORDS:
            raise self._error(f"unexpected keyword {token.text!r} in operand")
        return n.Function(self._line, token.text)

    def _parenthesized(self) -> n.Operand | n.Pipeline:
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise self._error(f"parentheses nested more than {MAX_DEPTH} deep")
        inner = self._commands((), False, closing=True)
        closing = self._tokens[self._index]
        self._index += 1
        self._depth -= 1
        follower = self._peek()
        if follower is not None and follower.kind == "field" and follower.start == closing.end:
            self._index += 1
            return n.Chain(self._line, inner, tuple(follower.text[1:].split(".")))
        return inner


def _plain_variable(token: Token) -> bool:
    return token.kind == "variable" and "." not in token.text
