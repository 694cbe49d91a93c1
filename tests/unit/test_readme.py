"""The README's diagrams are generated from the FSM tables; they must not drift."""

from __future__ import annotations

from pathlib import Path

from scripts.gen_readme_diagrams import render

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_diagrams_match_the_fsm_tables() -> None:
    text = README.read_text()
    assert render(text) == text, "run `python scripts/gen_readme_diagrams.py`"


def test_readme_names_both_setup_commands() -> None:
    text = README.read_text()
    assert "bash scripts/demo.sh" in text
    assert "bash scripts/test.sh" in text
