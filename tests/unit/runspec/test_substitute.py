"""Placeholders (Argo: utils/template/template_test.go, factory_test.go TestResolveMetricArgs*)."""

from __future__ import annotations

import pytest

from rollouts.analysis.runspec.build import RunSpecError, substitute
from rollouts.analysis.runspec.substitute import placeholder_names, substitute_text

FOO = {"var": "foo"}

TEXT_CASES: list[tuple[str, str, dict[str, str], str]] = [
    ("no placeholder", "test", {}, "test"),
    ("spaces inside the braces", "test-{{ args.var }}", FOO, "test-foo"),
    ("plain", "test-{{args.var}}", FOO, "test-foo"),
    ("twice", "{{args.var}}-{{args.var}}", FOO, "foo-foo"),
    ("a value is not substituted again", "{{args.var}}", {"var": "{{args.x}}"}, "{{args.x}}"),
    (
        "values are escaped for JSON",
        "test-{{args.var}}",
        {"var": 'double quotes"newline\nand tab\t'},
        'test-double quotes\\"newline\\nand tab\\t',
    ),
]


@pytest.mark.parametrize(
    ("text", "args", "expected"), [c[1:] for c in TEXT_CASES], ids=[c[0] for c in TEXT_CASES]
)
def test_substitute_text(text: str, args: dict[str, str], expected: str) -> None:
    assert substitute_text(text, args) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("test-{{args.var}}", "failed to resolve {{args.var}}"),
        ("{{ args.var }}", "failed to resolve {{ args.var }}"),
        ("{{templates.t.podTemplateHash}}", "failed to resolve {{templates.t.podTemplateHash}}"),
        (
            "test-{{args.var",
            'Cannot find end tag="}}" in the template="test-{{args.var" starting from "args.var"',
        ),
    ],
)
def test_unresolvable_tags_are_errors(text: str, message: str) -> None:
    with pytest.raises(RunSpecError) as raised:
        substitute_text(text, {})
    assert str(raised.value) == message


def test_metric_arguments_anywhere_in_the_metric() -> None:
    metric = {
        "name": "rate",
        "count": "{{args.count}}",
        "interval": "{{ args.interval }}",
        "successCondition": "result > {{args.metric-name}}",
        "provider": {
            "web": {
                "url": "http://x/{{args.path}}",
                "headers": [{"key": "X-Who", "value": "{{args.metric-name}}"}],
            }
        },
    }
    args = {"count": "3", "interval": "1s", "metric-name": "success-rate", "path": "a/b"}
    assert substitute(metric, args) == {
        "name": "rate",
        "count": "3",
        "interval": "1s",
        "successCondition": "result > success-rate",
        "provider": {
            "web": {
                "url": "http://x/a/b",
                "headers": [{"key": "X-Who", "value": "success-rate"}],
            }
        },
    }


def test_values_with_quotes_survive_the_json_round_trip() -> None:
    value = 'foo "bar" baz'
    assert substitute({"successCondition": "{{args.rate}}"}, {"rate": value}) == {
        "successCondition": value
    }


def test_kept_placeholders_stay_and_others_must_resolve() -> None:
    metric = {"url": "http://x?key={{args.token}}&q={{args.q}}"}
    assert substitute(metric, {"q": "1"}, keep={"token"}) == {
        "url": "http://x?key={{args.token}}&q=1"
    }
    with pytest.raises(RunSpecError, match=r"failed to resolve \{\{args.token\}\}"):
        substitute(metric, {"q": "1"})


def test_placeholder_names_in_order() -> None:
    metric = {"a": "{{args.b}} {{ args.a }}", "c": ["{{args.b}}", "{{other}}"]}
    assert placeholder_names(metric) == ("b", "a")
