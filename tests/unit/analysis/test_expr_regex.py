"""`matches` runs on RE2 with Go's regexp syntax: linear time, Go's refusals, compiled once."""

from __future__ import annotations

import pytest

from events.phases import AnalysisPhase
from rollouts.analysis import (
    ConditionError,
    ConditionTypeError,
    compile_condition,
    evaluate_condition,
    judge_measurement,
)
from rollouts.analysis.expr.regex import compile_pattern
from tests.support.cpu import cpu_ms
from tests.unit.analysis.budget import within_budget

PATHOLOGICAL = [
    "^(a+)+$",
    "(a|aa)+$",
    "^(a|a?)+$",
    "(x+x+)+y",
    "^(([a-z])+.)+[A-Z]([a-z])+$",
]


@pytest.mark.parametrize("pattern", PATHOLOGICAL)
def test_catastrophic_backtracking_patterns_answer_false_at_once(pattern: str) -> None:
    expression = f"'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!' matches '{pattern}'"
    compile_condition(expression)  # parse outside the measurement
    outcome: list[bool] = []
    spent = cpu_ms(lambda: outcome.append(evaluate_condition(expression, None)))
    assert outcome == [False]
    assert within_budget(spent)


def test_a_long_text_against_a_nested_quantifier_stays_linear() -> None:
    text = "a" * 20_000 + "!"
    spent = cpu_ms(lambda: evaluate_condition("result matches '^(a+)+$'", text))
    assert within_budget(spent)


@pytest.mark.parametrize(
    ("expression", "result", "expected"),
    [
        ("result matches '^2..$'", "200", True),
        ("result matches 'o'", "hello", True),  # unanchored, like Go's MatchString
        ("result matches '(?i)^OK$'", "ok", True),
        ("result matches '\\\\Qa.b\\\\E'", "a.b", True),
        ("result matches '\\\\Qa.b\\\\E'", "axb", False),
        ("result matches '^(?P<code>[0-9]+)$'", "503", True),
        ("result matches '^(?<code>[0-9]+)$'", "503", True),
        ("result matches '^\\\\pL+$'", "été", True),
        ("result matches '^[[:alpha:]]+$'", "abc", True),
        ("result matches 'a\\\\z'", "ba", True),
        ("result matches '^.$'", "\n", False),  # `.` excludes newline unless (?s)
        ("result matches '(?s)^.$'", "\n", True),
        ("result matches '^\\\\d+$'", "١٢", False),  # \d is ASCII-only in Go
        ("result matches '^x$'", "\ud800", False),  # a lone surrogate is U+FFFD, as Go reads it
        ("result not matches 'x'", "abc", True),
    ],
)
def test_go_regexp_syntax_and_semantics(expression: str, result: object, expected: bool) -> None:
    assert evaluate_condition(expression, result) is expected


REFUSED = [
    ("(a)\\\\1", "invalid escape sequence: \\1"),  # backreference
    ("(?=a)", "invalid perl operator: (?="),  # lookahead
    ("(?<=a)b", "invalid perl operator: (?<"),  # lookbehind
    ("a\\\\Z", "invalid escape sequence: \\Z"),
    ("\\\\C", "invalid escape sequence: \\C"),  # RE2 accepts it, Go does not
    ("a{1001}", "invalid repetition size"),
    ("x*+", "bad repetition operator"),
    ("(", "missing )"),
]


@pytest.mark.parametrize(("pattern", "reason"), REFUSED)
def test_a_literal_pattern_go_rejects_fails_to_compile(pattern: str, reason: str) -> None:
    with pytest.raises(ConditionTypeError) as caught:
        compile_condition(f"result matches '{pattern}'")
    message = str(caught.value)
    assert "invalid regular expression" in message
    assert reason in message
    assert "RE2" in message


def test_a_rejected_pattern_from_the_data_is_an_error_at_evaluation() -> None:
    condition = compile_condition("result.text matches result.pattern")
    assert condition.evaluate({"text": "aa", "pattern": "(a)+"}) is True
    with pytest.raises(ConditionTypeError, match="invalid escape sequence"):
        condition.evaluate({"text": "aa", "pattern": "(a)\\1"})


def test_a_rejected_pattern_makes_the_measurement_an_error_with_the_reason() -> None:
    verdict = judge_measurement("result matches '(?!x)'", "", "abc")
    assert verdict.phase is AnalysisPhase.ERROR
    assert "invalid regular expression '(?!x)'" in verdict.message
    assert "successCondition" in verdict.message


def test_literal_patterns_are_compiled_once_at_compile_time() -> None:
    condition = compile_condition("result matches '^literal-once-[0-9]+$'")
    before = compile_pattern.cache_info()
    for index in range(100):
        assert condition.evaluate(f"literal-once-{index}") is True
    after = compile_pattern.cache_info()
    assert (after.hits, after.misses) == (before.hits, before.misses)


def test_dynamic_patterns_come_from_the_cache() -> None:
    condition = compile_condition("result.t matches result.p")
    condition.evaluate({"t": "x", "p": "^dynamic-cache-x?$"})
    before = compile_pattern.cache_info()
    for _ in range(50):
        condition.evaluate({"t": "x", "p": "^dynamic-cache-x?$"})
    after = compile_pattern.cache_info()
    assert after.misses == before.misses
    assert after.hits == before.hits + 50


def test_regex_work_counts_against_the_budget() -> None:
    """RE2's worst case is text length times program size; a huge product is refused."""
    with pytest.raises(ConditionError, match="budget"):
        evaluate_condition("result matches '[ab]{0,1000}c'", "ab" * 5000)


def test_go_number_parsing_still_refuses_what_strconv_refuses() -> None:
    assert evaluate_condition("asFloat(result) == 1.5", "1.5") is True
    assert evaluate_condition("asInt(result) == -7", "-7") is True
    with pytest.raises(ConditionTypeError, match="cannot parse"):
        evaluate_condition("asInt(result) > 0", "1" * 5000 + "x")
    with pytest.raises(ConditionTypeError, match="cannot parse"):
        evaluate_condition("asFloat(result) > 0", "1" * 5000 + ".5.5")
