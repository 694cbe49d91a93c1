"""Every builtin of the condition language and Argo's helpers, with their quirks."""

from __future__ import annotations

import math

import pytest

from rollouts.analysis import ConditionError, ConditionTypeError, evaluate_condition

HOLDS: list[tuple[str, object]] = [
    # predicates, with and without braces, # / #index / .field
    ("all(result, {# > 1})", [2, 3]),
    ("all(result, # > 1)", [2, 3]),
    ("all([], # > 1)", None),
    ("!all(result, # > 2)", [2, 3]),
    ("any(result, # > 2)", [2, 3]),
    ("!any([], true)", None),
    ("none(result, # > 3)", [2, 3]),
    ("one(result, # > 2)", [2, 3]),
    ("!one(result, # > 1)", [2, 3]),
    ("filter(result, # > 2) == [3, 4]", [2, 3, 4]),
    ("map(result, # * 10) == [20, 30]", [2, 3]),
    ("map(result, {#index}) == [0, 1]", ["a", "b"]),
    ("find(result, # > 2) == 3", [2, 3, 4]),
    ("find(result, # > 9) == nil", [2, 3, 4]),
    ("count(result, # > 2) == 2", [2, 3, 4]),
    ("count(result) == 2", [True, False, True]),
    ("sum(result) == 9", [2, 3, 4]),
    ("sum(result) == 1.5", [1, 0.5]),
    ("sum([]) == 0", None),
    ("sum(result, # * 2) == 10", [2, 3]),
    ("all(result, #.ok)", [{"ok": True}, {"ok": True}]),
    ("all(result, .ok)", [{"ok": True}, {"ok": True}]),
    ("map(result, .name) == ['a', 'b']", [{"name": "a"}, {"name": "b"}]),
    ("all(result, all(#, # > 0))", [[1, 2], [3]]),
    ("all(result, len(filter(#, # > 0)) == 1 && # != nil)", [[1, -1], [2]]),
    ("any(result, #index == 1 && # == 'b')", ["a", "b"]),
    ("all(1..3, # > 0)", None),
    # aggregates
    ("len(result) == 3 && len('héllo') == 5 && len({a: 1}) == 1", [1, 2, 3]),
    ("max(result) == 0.087", [0.01, 0.087, 0.04]),
    ("min(result) == 0.01", [0.01, 0.087, 0.04]),
    ("max(1, 5, 3) == 5 && min(4, [2, 8]) == 2", None),
    ("max([]) == nil && min([]) == nil", None),
    ("max('a') == 'a'", None),
    ("mean(result) == 2", [1, 2, 3]),
    ("mean([]) == 0", None),
    ("median(result) == 2", [3, 1, 2]),
    ("median(result) == 2.5", [4, 1, 3, 2]),
    ("median([]) == 0", None),
    # math
    ("abs(-3) == 3 && abs(-2.5) == 2.5 && abs(4) == 4", None),
    ("ceil(1.2) == 2 && floor(1.8) == 1 && ceil(2) == 2", None),
    ("round(2.5) == 3 && round(-2.5) == -3 && round(2.4) == 2 && round(0.5) == 1", None),
    ("isNaN(round(result))", math.nan),
    # conversions
    ("int(3.9) == 3 && int(-3.9) == -3 && int('42') == 42 && int('-7') == -7", None),
    ("float(3) == 3.0 && float('1.5') == 1.5 && float('1e3') == 1000", None),
    ("isInf(float('+Inf')) && isNaN(float('NaN'))", None),
    ("string(1) == '1' && string(1.5) == '1.5' && string(10.0) == '10'", None),
    ("string(1000000.0) == '1e+06' && string(0.00001) == '1e-05'", None),
    ("string(true) == 'true' && string(nil) == '<nil>'", None),
    ("string(result) == '[1 a]'", [1, "a"]),
    ("string(result) == 'map[a:1 b:x]'", {"b": "x", "a": 1}),
    # strings
    ("upper('aB') == 'AB' && lower('aB') == 'ab'", None),
    ("trim('  x  ') == 'x' && trim('xxyxx', 'x') == 'y'", None),
    ("split('a,b,c', ',') == ['a', 'b', 'c']", None),
    ("split('a,b,c', ',', 2) == ['a', 'b,c']", None),
    ("split('abc', '') == ['a', 'b', 'c']", None),
    ("split('a,b', ',', 0) == []", None),
    ("split('a,b', ',', -1) == ['a', 'b']", None),
    ("join(['a', 'b'], '-') == 'a-b' && join(['a', 'b']) == 'ab'", None),
    # maps and lists
    ("keys(result) == ['a', 'b'] && values(result) == [1, 2]", {"a": 1, "b": 2}),
    ("first(result) == 1 && last(result) == 3", [1, 2, 3]),
    ("first([]) == nil && last([]) == nil && first(nil) == nil", None),
    ("sort(result) == [1, 2, 3]", [3, 1, 2]),
    ("sort(result, 'desc') == [3, 2, 1]", [3, 1, 2]),
    ("sort(['b', 'a']) == ['a', 'b']", None),
    ("result == [3, 1, 2]", [3, 1, 2]),
    # Argo helpers
    ("asInt(result) == 1", "1"),
    ("asInt(result) == -12", "-12"),
    ("asInt(result) == 1", 1.999),
    ("asInt(result) == -1", -1.9),
    ("asInt(result) == 7", 7),
    ("asFloat(result) == 1.5", "1.5"),
    ("asFloat(result) == 2", 2),
    ("asFloat(result) == 0.5", ".5"),
    ("isNaN(asFloat(result))", "NaN"),
    ("isInf(asFloat(result))", "-Inf"),
    ("isNaN(result)", math.nan),
    ("!isNaN(result) && !isNaN(1)", 1.0),
    ("isInf(result)", -math.inf),
    ("!isInf(result)", 1e308),
    ("isNil(result)", None),
    ("!isNil(result)", []),
    ("!isNil(result)", 0),
    ("default(result, 0) < 0.05", None),
    ("default(result, 1) == 0.5", 0.5),
]


@pytest.mark.parametrize(("expr", "result"), HOLDS, ids=[c[0] for c in HOLDS])
def test_builtin_behaves(expr: str, result: object) -> None:
    assert evaluate_condition(expr, result) is True


def test_is_nil_and_default_ignore_their_first_argument() -> None:
    # Argo's quirk: both look at `result` only.
    assert evaluate_condition("isNil(5)", None) is True
    assert evaluate_condition("isNil(nil)", 5) is False
    assert evaluate_condition("default(7, 0) == 3", 3) is True
    assert evaluate_condition("default(nil, 9) == 9", None) is True


def test_the_ignored_argument_is_still_evaluated() -> None:
    with pytest.raises(ConditionTypeError, match="cannot fetch"):
        evaluate_condition("isNil(result.a)", None)


ERRORS: list[tuple[str, object, str]] = [
    ("asInt(result) == 1", "1.1", 'cannot parse "1.1"'),
    ("asInt(result) == 1", "abc", 'cannot parse "abc"'),
    ("asInt(result) == 1", " 1", 'cannot parse " 1"'),
    ("asInt(result) == 1", "1_000", 'cannot parse "1_000"'),
    ("asInt(result) == 1", "99999999999999999999", "out of the int64 range"),
    ("asInt(result) == 1", None, "not supported on nil"),
    ("asInt(result) == 1", True, "not supported on bool"),
    ("asInt(result) == 1", math.nan, "cannot convert NaN"),
    ("asFloat(result) == 1", "NotANum", 'cannot parse "NotANum"'),
    ("asFloat(result) == 1", "1e400", "out of the float64 range"),
    ("asFloat(result) == 1", [1], "not supported on []interface {}"),
    ("isNaN(result)", "NaN", "expects a float"),
    ("isInf(result)", None, "expects a float"),
    ("int('1.5') == 1", None, 'cannot parse "1.5"'),
    ("float('x') == 1", None, 'cannot parse "x"'),
    ("len(result) == 1", 1.5, "invalid argument for len (type float64)"),
    ("len(result) == 0", None, "invalid argument for len (type <nil>)"),
    ("abs('a') == 1", None, "invalid argument for abs"),
    ("ceil(nil) == 1", None, "invalid argument for ceil"),
    ("upper(1) == 'A'", None, "expects a string"),
    ("join([1], ',') == ''", None, "expects a string"),
    ("join('a') == ''", None, "invalid argument for join"),
    ("keys([1]) == []", None, "cannot get keys from []interface {}"),
    ("values(1) == []", None, "cannot get values from int"),
    ("first(1) == 1", None, "cannot get first element from int"),
    ("sort(1) == []", None, "invalid argument for sort"),
    ("sort([1], 'up') == []", None, "invalid order"),
    ("sort([1, 'a']) == []", None, "string < int"),
    ("max(1, 'a') == 1", None, "invalid argument for max (type string)"),
    ("mean(['a']) == 1", None, "invalid argument for mean (type string)"),
    ("all(result, # > 1)", None, "all() needs an array, got nil"),
    ("all(result, # > 1)", {"a": 2}, "all() needs an array"),
    ("any(result, #)", [1], "the predicate of any() must return bool, got int 1"),
    ("count(result) == 1", [1], "the predicate of count() must return bool"),
    ("filter(result, 1) == []", [1], "must return bool"),
    ("sum(result) == 1", ["a"], "string + int"),
    ("len() == 0", None, "invalid number of arguments to len (expected 1, got 0)"),
    ("len(1, 2) == 0", None, "invalid number of arguments to len"),
    ("split('a') == []", None, "invalid number of arguments to split (expected 2-3, got 1)"),
    ("max() == 1", None, "expected 1 or more"),
    ("default(1) == 1", None, "invalid number of arguments to default"),
]


@pytest.mark.parametrize(("expr", "result", "fragment"), ERRORS, ids=[c[0] for c in ERRORS])
def test_builtin_errors(expr: str, result: object, fragment: str) -> None:
    with pytest.raises(ConditionTypeError) as caught:
        evaluate_condition(expr, result)
    assert fragment in str(caught.value)


def test_nested_predicates_restore_the_outer_element() -> None:
    assert (
        evaluate_condition(
            "all(result, any(#.xs, # > 1) && #.id > 0)",
            [
                {"id": 1, "xs": [0, 2]},
                {"id": 2, "xs": [5]},
            ],
        )
        is True
    )


def test_a_predicate_stops_at_the_first_decisive_element() -> None:
    # The second element would fail to index; any() never reaches it.
    assert evaluate_condition("any(result, #[0] == 1)", [[1], []]) is True
    with pytest.raises(ConditionError):
        evaluate_condition("all(result, #[0] == 1)", [[1], []])
