"""A Web metric's JSONPath match is recorded as Argo records it, json.Marshal(val) (issue 13):
`"1"` and `1`, `"true"` and `true` stay distinguishable, while conditions still see the value."""

from __future__ import annotations

import pytest

from events.phases import AnalysisPhase
from rollouts.analysis.engine_verdict import verdict_of
from rollouts.analysis.value_text import JSON_ENCODED, VALUE_ENCODING, go_json_text, value_text
from rollouts.spec import Metric

JSON = {VALUE_ENCODING: JSON_ENCODED}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("1", '"1"'),
        (1.0, "1"),
        ("true", '"true"'),
        (True, "true"),
        (None, "null"),
        (0.08, "0.08"),
        (1e21, "1e+21"),  # Go's json switches to exponent form from 1e21
        (1e-7, "1e-7"),  # ... and below 1e-6, without the exponent's leading zero
        (-2.5e22, "-2.5e+22"),
        (123456789.0, "123456789"),
        ("a<b&c>", '"a\\u003cb\\u0026c\\u003e"'),  # Go escapes HTML characters
        ("é\u2028", '"é\\u2028"'),  # UTF-8 kept, line separator escaped
        ('say "hi"\n', '"say \\"hi\\"\\n"'),
        ({"b": "x", "a": [1.0, "2"]}, '{"a":[1,"2"],"b":"x"}'),
        ([], "[]"),
    ],
)
def test_go_json_text(value: object, text: str) -> None:
    assert go_json_text(value) == text


def _web(**conditions: str) -> Metric:
    return Metric.model_validate(
        {"name": "w", "provider": {"web": {"url": "http://x"}}, **conditions}
    )


@pytest.mark.parametrize(
    ("value", "text"), [("1", '"1"'), (1.0, "1"), ("true", '"true"'), (True, "true")]
)
def test_recorded_value_keeps_the_json_form(value: object, text: str) -> None:
    verdict = verdict_of(_web(), value, None, JSON)
    assert (verdict.phase, verdict.value) == (AnalysisPhase.SUCCESSFUL, text)


def test_conditions_see_the_decoded_string_not_its_quotes() -> None:
    metric = _web(successCondition="result == '1'")
    assert verdict_of(metric, "1", None, JSON).phase is AnalysisPhase.SUCCESSFUL
    number = verdict_of(metric, 1.0, None, JSON)  # a number is not the string "1" (expr types)
    assert number.phase is AnalysisPhase.ERROR and "mismatched types" in number.message


def test_a_raw_body_and_other_providers_keep_their_text() -> None:
    assert verdict_of(_web(), "plain text", None, {}).value == "plain text"
    assert verdict_of(_web(), "plain text", None).value == value_text("plain text")
