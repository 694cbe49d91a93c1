"""`rollouts lint` on the judge extension: the example passes, a mistake is one line naming it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from adapters.cli.main import app

runner = CliRunner()
EXAMPLE = Path(__file__).parents[2] / "data" / "judge" / "error-rate-judge.yaml"


def test_judge_example_lints_clean() -> None:
    """Judge metrics are measured now: no warning that they are not."""
    result = runner.invoke(app, ["lint", "-f", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["1 file(s), 1 object(s): 0 error(s), 0 warning(s)"]


def test_metric_thresholds_out_of_order_is_one_line(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "      critical: true\n",
        "      critical: true\n      thresholds: {marginal: 95, pass: 90}\n",
        1,
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["lint", "-f", str(bad)])
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[0] == (
        f"{bad}#1: spec.metrics[0].judge.thresholds.marginal: must not exceed pass (95 > 90)"
    )


def test_a_condition_on_a_judge_metric_is_one_line_naming_the_field(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "    count: 1\n", "    count: 1\n    successCondition: result[0] < 0.05\n", 1
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["lint", "-f", str(bad)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == (
        f"{bad}#1: spec.metrics[0].successCondition: must be empty in a judge metric: "
        "Argo's controller would run it and ignore the judge block"
    )
    assert lines[-1] == "1 file(s), 1 object(s): 1 error(s), 0 warning(s)"
