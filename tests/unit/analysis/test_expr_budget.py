"""Every condition costs a bounded amount of work: static limits, then counted budgets."""

from __future__ import annotations

import pytest

from events.phases import AnalysisPhase
from rollouts.analysis import (
    ConditionError,
    ConditionLimitError,
    ConditionSyntaxError,
    ConditionTooLargeError,
    compile_condition,
    evaluate_condition,
    judge_measurement,
)
from rollouts.analysis.expr.limits import MAX_DEPTH, MAX_LENGTH, MAX_NODES, MAX_TOKENS
from rollouts.analysis.expr.scope import MAX_RANGE, MAX_STRING_LENGTH, MEMORY_BUDGET, STEP_BUDGET
from tests.support.cpu import cpu_ms
from tests.unit.analysis.budget import within_budget

# The cases of issue 16: each took 0.3-47 s before the budget.
ISSUE_CASES = [
    ("len(sort(1..1000000)) > 0", "range 1..1000000 has 1000000 elements"),
    ("mean(1..1000000) > 0", "more than the limit of"),
    ("len(string(1..1000000)) > 0", "more than the limit of"),
    ("all(1..1000, all(1..1000, # > 0))", f"budget of {STEP_BUDGET} steps"),
    ("string(map(1..900, 1..900)) != ''", f"budget of {MEMORY_BUDGET} elements"),
    ("+".join(["1"] * 3000) + " > 0", f"more than {MAX_TOKENS} tokens"),
    (" + ".join(["1"] * 3000) + " > 0", f"more than {MAX_TOKENS} tokens"),
    (" + ".join(["1"] * 400) + " > 0", f"nested more than {MAX_DEPTH} levels"),
]


@pytest.fixture(autouse=True, scope="module")
def _parser_built() -> None:
    """Lark builds its tables on first use (once per process); that is not a condition's cost."""
    compile_condition("true")


def _outcome(expression: str, result: object = None) -> object:
    try:
        return evaluate_condition(expression, result)
    except ConditionError as error:
        return error


@pytest.mark.parametrize(("expression", "fragment"), ISSUE_CASES, ids=lambda v: str(v)[:40])
def test_the_issue_cases_end_fast_with_a_limit_error(expression: str, fragment: str) -> None:
    outcome: list[object] = []
    spent = cpu_ms(lambda: outcome.append(_outcome(expression)))
    (error,) = outcome
    assert isinstance(error, ConditionLimitError)
    assert fragment in str(error)
    assert within_budget(spent)


@pytest.mark.parametrize(
    ("expression", "result"),
    [
        ("all(result, # < 0.5)", [0.1] * 5_000),  # an hour of 1 s Prometheus samples, and more
        ("mean(result) < 0.5 && max(result) < 1", [0.1] * 10_000),
        ("len(sort(result)) == 2000", [float(i % 97) for i in range(2000)]),
        ("len(filter(1..1000, # % 2 == 0)) == 500", None),
        ("len(string(1..1000)) > 0", None),
        ("sum(1..1000) == 500500", None),
        ("all(1..30, all(1..30, # > 0))", None),
        ("len(1.." + str(MAX_RANGE) + ") == " + str(MAX_RANGE), None),
    ],
)
def test_real_sized_work_stays_within_budget(expression: str, result: object) -> None:
    assert evaluate_condition(expression, result) is True


def test_each_budget_names_itself_and_its_limit() -> None:
    cases = {
        f"len(1..{MAX_RANGE + 1}) > 0": f"more than the limit of {MAX_RANGE}",
        "len(1..40000) + len(1..40000) + len(1..40000) > 0": f"budget of {MEMORY_BUDGET} elements",
        "'" + "x" * MAX_LENGTH + "' != ''": f"more than the limit of {MAX_LENGTH}",
        "count(1..40000, # > 0) > 0": f"budget of {STEP_BUDGET} steps",
        "len(join(map(1..2000, '" + "x" * 60 + "'))) > 0": (
            f"more than the limit of {MAX_STRING_LENGTH}"
        ),
    }
    for expression, fragment in cases.items():
        error = _outcome(expression)
        assert isinstance(error, ConditionLimitError), expression
        assert fragment in str(error), (expression, str(error))


def test_work_on_large_result_data_is_charged_too() -> None:
    """Provider data is not allocated by the condition, but walking it repeatedly is work."""
    data = [[1.5] * 100] * 100
    assert evaluate_condition("result == result", data) is True
    error = _outcome("all(1..100, string(result) != '')", data)
    assert isinstance(error, ConditionLimitError)
    error = _outcome("any(1..5000, result contains 'zz')", "a" * 1000)
    assert isinstance(error, ConditionLimitError)
    error = _outcome("all(1..1000, 1 in result)", list(range(1000)))
    assert isinstance(error, ConditionLimitError)


def test_budgets_are_counted_not_timed() -> None:
    """The same condition and data always give the same outcome, error messages included."""
    expression = "count(1..20000, # > 0) + count(1..20000, # > 0) > 0"
    first, second = _outcome(expression), _outcome(expression)
    assert isinstance(first, ConditionLimitError)
    assert str(first) == str(second)


def test_a_budget_error_makes_the_measurement_an_error() -> None:
    verdict = judge_measurement("all(1..1000, all(1..1000, # > 0))", "", [1])
    assert verdict.phase is AnalysisPhase.ERROR
    assert f"budget of {STEP_BUDGET} steps" in verdict.message


def test_static_limits_are_syntax_and_limit_errors_at_once() -> None:
    with pytest.raises(ConditionTooLargeError) as caught:
        compile_condition("!" * (MAX_DEPTH + 1) + "true")
    assert isinstance(caught.value, ConditionSyntaxError)
    assert isinstance(caught.value, ConditionLimitError)


def test_the_node_limit_is_checked_on_the_parsed_tree() -> None:
    wide = "[" + ", ".join([".a"] * (MAX_NODES // 2 + 10)) + "] == []"  # 2 nodes per item
    with pytest.raises(ConditionTooLargeError, match=f"more than {MAX_NODES} nodes"):
        compile_condition(wide)
    assert evaluate_condition("[" + ", ".join(["1"] * 200) + "] != []", None) is True


def test_depth_counts_prefix_operators_and_brackets() -> None:
    assert evaluate_condition("!" * 100 + "true", None) is True
    with pytest.raises(ConditionTooLargeError, match="nested more than"):
        compile_condition("-" * (MAX_DEPTH + 1) + "1 > 0")
    with pytest.raises(ConditionTooLargeError, match="nested more than"):
        compile_condition("len(" * (MAX_DEPTH + 1) + "'a'" + ")" * (MAX_DEPTH + 1) + " > 0")


@pytest.mark.parametrize(
    "text",
    [
        "1 + " * 250_000 + "1",
        "(" * 500_000,
        "'" + "a" * 1_000_000,  # an unclosed string
        "/*" * 300_000,  # unclosed comments
        '"\\"' * 300_000,
        "result == '" + "x" * (MAX_LENGTH + 1) + "'",
    ],
    ids=["long-sum", "open-brackets", "open-string", "open-comments", "escaped-quotes", "long"],
)
def test_huge_text_is_refused_in_linear_time(text: str) -> None:
    def refuse() -> None:
        with pytest.raises(ConditionSyntaxError):
            compile_condition(text)

    assert within_budget(cpu_ms(refuse))


def test_long_string_literals_count_as_one_token() -> None:
    pattern = "|".join(f"word{i}" for i in range(900))
    assert evaluate_condition(f"result matches '^({pattern})$'", "word899") is True


def test_error_messages_quote_only_the_start_of_huge_data() -> None:
    data = {str(i): [0.5] * 100 for i in range(20_000)}
    spent = cpu_ms(lambda: _outcome("result < 1", data))
    error = _outcome("result < 1", data)
    assert isinstance(error, ConditionError)
    assert "..." in str(error)
    assert within_budget(spent)


def test_join_checks_the_string_limit_before_building_it() -> None:
    expression = "len(join(map(1..10000, '" + "x" * 500 + "'))) > 0"
    spent = cpu_ms(lambda: _outcome(expression))
    assert f"more than the limit of {MAX_STRING_LENGTH}" in str(_outcome(expression))
    assert within_budget(spent)


def test_go_integers_of_any_length_parse_or_refuse_cleanly() -> None:
    assert evaluate_condition("asInt(result) == 1", "0" * 6000 + "1") is True
    error = _outcome("asInt(result) > 0", "9" * 6000)
    assert "is out of the int64 range" in str(error)
    assert "(6000 characters)" in str(error)
