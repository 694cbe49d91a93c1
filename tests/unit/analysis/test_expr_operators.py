"""Every operator of the condition language, with expr-lang's (Go's) semantics."""

from __future__ import annotations

import math

import pytest

from rollouts.analysis import ConditionTypeError, evaluate_condition

NAN = math.nan
INF = math.inf

TRUE_CASES: list[tuple[str, object]] = [
    # logic, both spellings, and short-circuiting past an error
    ("true && true", None),
    ("true and not false", None),
    ("false || true", None),
    ("false or true", None),
    ("!false", None),
    ("not false", None),
    ("!(false && result[5] > 0)", []),
    ("true || result[5] > 0", []),
    # comparisons, int/float mixed, strings, chained
    ("1 == 1.0", None),
    ("1 != 2", None),
    ("2 > 1.5 && 1.5 >= 1.5 && 1 < 1.1 && 1 <= 1", None),
    ("'abc' < 'abd'", None),
    ("1 < 2 < 3", None),
    ("3 > 2 > 1 > 0", None),
    ("0.9 < result < 1.0", 0.95),
    ("result == 10", 10.0),
    ("result >= 0.9", INF),
    # == between different kinds is false, nil equals only nil
    ("result.x != '1'", {"x": 1}),
    ("result.x == nil", {}),
    ("nil == nil", None),
    ("[1, 2] == [1.0, 2.0]", None),
    ("{a: 1} == {a: 1.0}", None),
    ("result == nil", None),
    # arithmetic
    ("1 + 2 * 3 == 7", None),
    ("(1 + 2) * 3 == 9", None),
    ("7 / 2 == 3.5", None),
    ("4 / 2 == 2", None),
    ("7 % 3 == 1", None),
    ("-7 % 3 == -1", None),
    ("2 ** 10 == 1024", None),
    ("2 ^ 3 == 8", None),
    ("2 ** 3 ** 2 == 512", None),
    ("-2 ** 2 == -4", None),
    ("-result == -3", 3),
    ("+result == 3", 3),
    ("5 - 7 == -2", None),
    ("1.5 + 1 == 2.5", None),
    ("'a' + 'b' == 'ab'", None),
    ("1 / 0 == result", INF),
    ("-1 / 0 < 0", None),
    ("9223372036854775807 + 1 == -9223372036854775807 - 1", None),
    # membership and string operators
    ("2 in result", [2.0, 3.0]),
    ("2 not in [1, 3]", None),
    ("'a' in {a: 1}", None),
    ("'b' not in result", {"a": 1}),
    ("1 in nil ? false : true", None),
    ("'hello' matches '^h.*o$'", None),
    ("'hello' not matches 'x'", None),
    ("'hello' contains 'ell'", None),
    ("'hello' not contains 'z'", None),
    ("'hello' startsWith 'he' and 'hello' endsWith 'lo'", None),
    ("'a' not startsWith 'b' && 'a' not endsWith 'b'", None),
    # ternary, elvis, nil-coalescing, optional chaining
    ("(result > 1 ? 'big' : 'small') == 'big'", 2),
    ("(false ? 1 : true ? 2 : 3) == 2", None),
    ("false ?: true", None),
    ("(result ?? 5) == 5", None),
    ("(result.missing ?? 'd') == 'd'", {}),
    ("result?.a?.b == nil", None),
    ("result?.a.b == nil", None),
    ("result?.[0] == nil", None),
    ("result?.a == 1", {"a": 1}),
    # ranges, literals, member access, indexing, slicing
    ("1..3 == [1, 2, 3]", None),
    ("len(3..1) == 0", None),
    ("0x1F == 31 && 0o17 == 15 && 0b101 == 5 && 1_000 == 1000", None),
    ("1e3 == 1000 && .5 == 0.5 && 2.5e-1 == 0.25", None),
    ("'it\\'s' == \"it's\"", None),
    ("\"tab\\there\" == 'tab\there'", None),
    ("'\\u00e9' == 'é' && '\\x41' == 'A' && '\\101' == 'A'", None),
    ("`raw\\n` == 'raw\\\\n'", None),
    ("[1, 'a', nil, true][1] == 'a'", None),
    ("{a: 1, 'b c': 2, 3: 'x', (\"d\" + \"e\"): 4}['b c'] == 2", None),
    ("{a: 1, 'b c': 2, 3: 'x', (\"d\" + \"e\"): 4}.de == 4", None),
    ("{3: 'x'}['3'] == 'x'", None),
    ("result.a.b == 1", {"a": {"b": 1}}),
    ("result['weird.key'] == 1", {"weird.key": 1}),
    ("result[0] == 'x' && result[-1] == 'z'", ["x", "y", "z"]),
    ("result[1.9] == 'y'", ["x", "y", "z"]),
    ("result[1:3] == ['y', 'z']", ["x", "y", "z"]),
    ("result[:1] == ['x'] && result[2:] == ['z'] && result[:] == result", ["x", "y", "z"]),
    ("result[-2:] == ['y', 'z'] && result[5:9] == [] && result[2:1] == []", ["x", "y", "z"]),
    ("'hello'[1:3] == 'el' && 'hello'[0] == 'h'", None),
    ("result[0].Values[1] == 0.2", [{"Values": [0.1, 0.2]}]),
    ("result.count == 10", {"count": 10}),
    ("result.in == 1 && result.not == 2", {"in": 1, "not": 2}),
    ("[1, 2,] == [1, 2]", None),
    ("result /* comment */ == 1 // trailing", 1),
    ("\n result\n ==\n 1\n", 1),
]


@pytest.mark.parametrize(("expr", "result"), TRUE_CASES, ids=[c[0] for c in TRUE_CASES])
def test_expression_holds(expr: str, result: object) -> None:
    assert evaluate_condition(expr, result) is True


FALSE_CASES: list[tuple[str, object]] = [
    ("result >= 0.9", NAN),
    ("result < 0.9", NAN),
    ("result == result", NAN),
    ("result != 1 && false", NAN),
    ("result.x == '1'", {"x": 1}),
    ("result == 'fail123'", "OK"),
    ("[1] == [1, 2]", None),
    ("'a' in ['b']", None),
    ("1 in nil", None),
    ("'z' in {a: 1}", None),
    ("'abc' matches '^b'", None),
]


@pytest.mark.parametrize(("expr", "result"), FALSE_CASES, ids=[c[0] for c in FALSE_CASES])
def test_expression_does_not_hold(expr: str, result: object) -> None:
    assert evaluate_condition(expr, result) is False


TYPE_ERRORS: list[tuple[str, object, str]] = [
    ("true + 1 == 2", None, "bool + int"),
    ("result + 1 == 2", True, "bool + int"),
    ("result > 0", True, "bool > int"),
    ("-result == -1", True, "-bool"),
    ("result < 0.05", None, "<nil> < float64"),
    ("result > 'a'", 1.5, "float64 > string"),
    ("result == 'a'", 1.5, "mismatched types float64 and string"),
    ("'a' == result", 1.5, "mismatched types string and float64"),
    ("result == [1]", {"a": 1}, "mismatched types"),
    ("1 == 'a'", None, "mismatched types int and string"),
    ("false && 1 == 'a'", None, "mismatched types int and string"),
    ("1.5 % 1 == 0", None, "float64 % int"),
    ("1 % 0 == 0", None, "integer divide by zero"),
    ("'a' - 'b' == ''", None, "string - string"),
    ("'a' in 'abc'", None, "string in string"),
    ("'a' in result", "abc", 'operator "in" not defined on string'),
    ("1 in {a: 1}", None, "int in map"),
    ("1 in result", {"a": 1}, "map key"),
    ("true == 1", None, "mismatched types bool and int"),
    ("result == 1", True, "mismatched types bool and int"),
    ("result matches 'a'", 1, "int matches string"),
    ("'a' matches '('", None, "invalid regular expression"),
    ("'a' contains 1", None, "string contains int"),
    ("1.5..3 == []", None, "float64 .. int"),
    ("!1", None, "! needs bool operands, got int"),
    ("!result", 1, "!int"),
    ("result && true", 1.0, "&& needs bool operands"),
    ("true && result", 1.0, "&& needs bool operands"),
    ("result || true", "x", "|| needs bool operands"),
    ("1 ? true : false", None, "?: needs bool operands"),
    ("result ? true : false", 1, "?: needs bool operands"),
    ("result[0] > 0", None, "cannot fetch 0 from <nil>"),
    ("result[3] > 0", [1, 2], "index out of range: 3 (array length is 2)"),
    ("result[-3] > 0", [1, 2], "index out of range: -1 (array length is 2)"),
    ("result.a > 0", [1], "must be a number"),
    ("result['a'] > 0", 5, "cannot fetch"),
    ("result[1] > 0", {"a": 1}, "map key"),
    ("result.a.b == 1", {"a": None}, "cannot fetch"),
    ("result[1:2] == []", 5, "cannot slice int"),
    ("result['a':] == []", [1], "must be a number"),
    ("{(1): 2} == {}", None, "map keys must be strings"),
]


@pytest.mark.parametrize(
    ("expr", "result", "fragment"), TYPE_ERRORS, ids=[c[0] for c in TYPE_ERRORS]
)
def test_type_errors(expr: str, result: object, fragment: str) -> None:
    with pytest.raises(ConditionTypeError) as caught:
        evaluate_condition(expr, result)
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("expr", "result"),
    [
        ("result.x == 1", {"x": True}),
        ("result.x == 0", {"x": False}),
        ("1 in result", [True]),
        ("result[0] == true", [1]),
    ],
)
def test_bool_is_never_a_number(expr: str, result: object) -> None:
    assert evaluate_condition(expr, result) is False


def test_nan_compares_false_to_everything_including_itself() -> None:
    for op in ("<", "<=", ">", ">=", "=="):
        assert evaluate_condition(f"result {op} 0.5", NAN) is False
        assert evaluate_condition(f"result {op} result", NAN) is False
    assert evaluate_condition("result != result", NAN) is True


def test_zero_over_zero_is_nan() -> None:
    assert evaluate_condition("isNaN(0 / 0) && isNaN(0.0 / 0)", None) is True


def test_power_follows_go_for_overflow_and_domain_errors() -> None:
    assert evaluate_condition("isInf(10 ** 400) && 10 ** 400 > 0", None) is True
    assert evaluate_condition("(-10) ** 401 < 0", None) is True
    assert evaluate_condition("isInf(0 ** -1)", None) is True
    assert evaluate_condition("isNaN((-8) ** 0.5)", None) is True


def test_integer_literal_beyond_int64_is_a_syntax_error() -> None:
    from rollouts.analysis import ConditionSyntaxError

    with pytest.raises(ConditionSyntaxError, match="too large"):
        evaluate_condition("9223372036854775808 > 0", None)
