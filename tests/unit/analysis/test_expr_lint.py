"""`rollouts lint` refuses conditions that can never run: over the limits, or a regex Go rejects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from adapters.cli.main import app
from rollouts.analysis.expr.limits import MAX_DEPTH, MAX_TOKENS
from rollouts.analysis.expr.lint import condition_problem
from tests.unit.spec.helpers import base_template, errors_of

DEEP_SUM = "+".join(["1"] * (MAX_DEPTH + 5)) + " > 0"


def template(**conditions: str) -> dict[str, Any]:
    doc = base_template()
    metric = doc["spec"]["metrics"][0]
    metric.pop("successCondition", None)
    metric.update(conditions)
    return doc


@pytest.mark.parametrize(
    ("field", "expression", "fragment"),
    [
        ("successCondition", "result matches '(a)\\\\1'", "invalid escape sequence: \\1"),
        ("failureCondition", "result matches '(?=x)'", "invalid perl operator"),
        ("successCondition", DEEP_SUM, f"nested more than {MAX_DEPTH} levels deep"),
        ("failureCondition", "+".join(["1"] * 3000), f"more than {MAX_TOKENS} tokens"),
        ("successCondition", "!" * 200 + "true", f"nested more than {MAX_DEPTH}"),
    ],
)
def test_lint_names_the_metric_the_field_and_the_limit(
    field: str, expression: str, fragment: str
) -> None:
    errors = errors_of(template(**{field: expression}))
    matching = [(path, message) for path, message in errors if fragment in message]
    assert matching, errors
    path, message = matching[0]
    assert path == f"spec.metrics[0].{field}"
    assert message.startswith("metric 'error-rate': ")


@pytest.mark.parametrize(
    "expression",
    [
        "result[0] < 0.01",
        "result matches '^(a+)+$'",  # harmless on RE2, so not a lint error
        "result matches '{{args.pattern}}'",  # judged once the argument is known
        "result[0] < {{args.threshold}} && result matches '^ok-{{args.suffix}}$'",
        "result[0] <",  # a syntax error is reported by the run, as in Argo
    ],
)
def test_lint_leaves_other_conditions_alone(expression: str) -> None:
    assert condition_problem(expression) is None
    assert not [e for e in errors_of(template(successCondition=expression)) if "Condition" in e[0]]


def test_the_cli_refuses_the_template(tmp_path: Path) -> None:
    manifest = tmp_path / "t.yaml"
    manifest.write_text(
        "apiVersion: argoproj.io/v1alpha1\n"
        "kind: AnalysisTemplate\n"
        "metadata: {name: rate}\n"
        "spec:\n"
        "  metrics:\n"
        "  - name: error-rate\n"
        "    successCondition: \"result matches '(?<=a)b'\"\n"
        "    provider: {prometheus: {address: 'http://prom:9090', query: up}}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["lint", "-f", str(manifest)])
    assert result.exit_code == 1
    assert "spec.metrics[0].successCondition: metric 'error-rate'" in result.output
    assert "invalid regular expression '(?<=a)b'" in result.output
