"""`rollouts lint` and `rollouts apply` refuse deep and huge manifests in one line each.

Regression of issue 15: the CLI printed `error: RecursionError: ...` for a document nested a
few hundred levels deep.
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from adapters.cli.main import app
from rollouts.spec.limits import MAX_DEPTH, MAX_FILE_BYTES
from tests.unit.cli.fakes import FakeClient

DEEP = (
    "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web}\nspec:\n"
    "  replicas: " + "[" * 500 + "]" * 500 + "\n"
)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_lint_names_file_document_and_path_of_a_deep_document(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = write(tmp_path, "deep.yaml", "---\n# nothing\n---\n" + DEEP)
    result = runner.invoke(app, ["lint", "-f", path])
    assert result.exit_code == 1
    first, summary = result.output.splitlines()
    assert first.startswith(f"{path}#1: spec.replicas[0]")
    assert f"nested deeper than {MAX_DEPTH} levels" in first and "(line 8)" in first
    assert summary == "1 file(s), 0 object(s): 1 error(s), 0 warning(s)"
    assert "RecursionError" not in result.output


def test_lint_refuses_a_file_over_the_size_limit_unread(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, "huge.yaml", "#" * (MAX_FILE_BYTES + 1))
    result = runner.invoke(app, ["lint", "-f", path])
    assert result.exit_code == 1
    assert f"error: cannot read {path}: larger than {MAX_FILE_BYTES:,} bytes" in result.stderr


def test_apply_of_a_deep_document_sends_nothing(
    runner: CliRunner, fake: FakeClient, tmp_path: Path
) -> None:
    path = write(tmp_path, "deep.yaml", DEEP)
    result = runner.invoke(app, ["apply", "-f", path])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    refusal = "".join(lines[:-1])  # the console may wrap the long path
    assert refusal.startswith(f"{path}#1: spec.replicas[0]") and "nested deeper" in refusal
    assert lines[-1] == "error: 1 problem(s) found; nothing was applied"
    assert fake.sent == [] and "RecursionError" not in result.output
