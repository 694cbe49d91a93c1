"""Error classes of the condition language, their messages, and compilation behaviour."""

from __future__ import annotations

import logging

import pytest
from lark import Lark
from lark import logger as lark_logger

from rollouts.analysis import (
    CompiledCondition,
    ConditionError,
    ConditionLimitError,
    ConditionNameError,
    ConditionResultError,
    ConditionSyntaxError,
    ConditionTypeError,
    compile_condition,
    evaluate_condition,
)
from rollouts.analysis.expr.grammar import GRAMMAR
from rollouts.errors import DomainError


def test_every_error_is_a_condition_error_a_value_error_and_a_domain_error() -> None:
    for cls in (
        ConditionSyntaxError,
        ConditionNameError,
        ConditionTypeError,
        ConditionResultError,
        ConditionLimitError,
    ):
        assert issubclass(cls, ConditionError)
    assert issubclass(ConditionError, ValueError)
    assert issubclass(ConditionError, DomainError)


SYNTAX: list[tuple[str, str]] = [
    ("result[0] 10.000000", "unexpected token '10.000000' (line 1, column 11)"),
    ("", "unexpected end of expression (line 1, column 1)"),
    ("result >", "unexpected end of expression (line 1, column 9)"),
    ("result @ 1", "unexpected character '@' (line 1, column 8)"),
    ("result ==\n  == 1", "(line 2, column 3)"),
    ("(result", "unexpected end of expression"),
    ("result)", "unexpected token ')'"),
    ("'unterminated", "unexpected character"),
    ("'bad \\q escape'", "invalid escape sequence \\q"),
    ("'\\ud800'", "invalid unicode escape"),
    ("# > 1", "# is only valid inside a predicate"),
    ("result == {# > 1}", "unexpected token"),
    ("len({result}) == 1", "takes no predicate block"),
    ("all({result}, # > 0)", "the first argument of all() is an array"),
    ("all(result)", "all() takes an array and a predicate, got 1"),
    ("all(result, # > 0, 1)", "got 3"),
    ("9223372036854775808 > 1", "integer literal 9223372036854775808 is too large"),
    ("1e400 > 1", "float literal 1e400 is too large"),
    ("10abc", "unexpected token 'abc'"),
    ("let x = 1; x", "unexpected"),
]


@pytest.mark.parametrize(("expr", "fragment"), SYNTAX, ids=[s[0] for s in SYNTAX])
def test_syntax_errors_name_the_token_and_position(expr: str, fragment: str) -> None:
    with pytest.raises(ConditionSyntaxError) as caught:
        compile_condition(expr)
    assert fragment in str(caught.value)


def test_syntax_error_carries_line_column_and_a_caret_context() -> None:
    with pytest.raises(ConditionSyntaxError) as caught:
        compile_condition("result[0] 10.000000")
    assert (caught.value.line, caught.value.column) == (1, 11)
    assert "result[0] 10.000000\n          ^" in caught.value.context


NAMES: list[tuple[str, str]] = [
    ("invalidVariable", "unknown name invalidVariable (line 1, column 1)"),
    ("result > 0 && a == true", "unknown name a (line 1, column 15)"),
    ("foo(result)", "unknown name foo"),
    ("asInt == 1", "asInt is a function: call it"),
    ("now() > 1", "function now is not supported"),
    ("all(result, #acc > 1)", "unknown pointer #acc"),
]


@pytest.mark.parametrize(("expr", "fragment"), NAMES, ids=[n[0] for n in NAMES])
def test_unknown_names_fail_at_compile_time(expr: str, fragment: str) -> None:
    with pytest.raises(ConditionNameError) as caught:
        compile_condition(expr)  # no result needed: the check does not depend on data
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("expr", "result", "message"),
    [
        ("1", True, "expected bool, but got int"),
        ("result", 1.5, "expected bool, but got float64"),
        ("result", "true", "expected bool, but got string"),
        ("result", None, "expected bool, but got <nil>"),
        ("result", [True], "expected bool, but got []interface {}"),
        ("result", {}, "expected bool, but got map[string]interface {}"),
        ("result.ok", {"ok": 1}, "expected bool, but got int"),
    ],
)
def test_non_bool_results_are_refused(expr: str, result: object, message: str) -> None:
    with pytest.raises(ConditionResultError, match=message.replace("[", r"\[")):
        evaluate_condition(expr, result)


def test_result_called_as_a_function_is_a_type_error() -> None:
    with pytest.raises(ConditionTypeError, match="result is not a function"):
        compile_condition("result(1)")


def test_a_non_string_expression_is_refused_cleanly() -> None:
    with pytest.raises(ConditionTypeError, match="must be a string"):
        compile_condition(["result"])  # type: ignore[arg-type]


def test_work_budget_stops_runaway_loops() -> None:
    with pytest.raises(ConditionLimitError):
        evaluate_condition("len(1..2000000) > 0", None)
    with pytest.raises(ConditionLimitError):
        evaluate_condition("all(1..2000, all(1..2000, true))", None)


def test_absurd_nesting_is_refused_not_a_recursion_error() -> None:
    with pytest.raises(ConditionSyntaxError, match="nested more than"):
        compile_condition("[" * 5000 + "true" + "]" * 5000 + " == []")
    with pytest.raises(ConditionSyntaxError, match="nested more than"):
        compile_condition("!" * 5000 + "true")
    with pytest.raises(ConditionSyntaxError, match="more than 1000 tokens"):
        compile_condition("+".join(["1"] * 3000) + " > 0")  # refused before Lark parses it


def test_parentheses_nest_up_to_the_depth_limit() -> None:
    """The pre-scan counts brackets (redundant ones too) against the depth limit of 150."""
    assert evaluate_condition("(" * 150 + "result" + ")" * 150, True) is True
    with pytest.raises(ConditionSyntaxError, match="nested more than 150 levels"):
        compile_condition("(" * 151 + "result" + ")" * 151)


def test_deep_but_reasonable_nesting_works() -> None:
    assert evaluate_condition("(" * 40 + "result" + ")" * 40 + " == 1", 1) is True


def test_deeply_nested_result_data_does_not_leak_recursion_errors() -> None:
    nested: object = 1
    for _ in range(5000):
        nested = [nested]
    with pytest.raises(ConditionLimitError, match="too deeply nested"):
        evaluate_condition("result == result", nested)
    with pytest.raises(ConditionLimitError, match="too deeply nested"):
        evaluate_condition("string(result) == ''", nested)


def test_compilation_is_cached_by_expression_text() -> None:
    first = compile_condition("result[0] < 0.01")
    assert isinstance(first, CompiledCondition)
    assert compile_condition("result[0] < 0.01") is first
    assert first.evaluate([0.001]) is True
    assert first.evaluate([0.5]) is False
    assert first.expression == "result[0] < 0.01"


def test_the_grammar_has_no_lalr_conflicts(caplog: pytest.LogCaptureFixture) -> None:
    previous = lark_logger.level
    lark_logger.setLevel(logging.DEBUG)
    try:
        with caplog.at_level(logging.DEBUG, logger="lark"):
            Lark(GRAMMAR, parser="lalr", debug=True)
    finally:
        lark_logger.setLevel(previous)
    assert not [r for r in caplog.records if "conflict" in r.getMessage().lower()]
