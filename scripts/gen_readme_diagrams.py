"""Regenerate the state-machine diagrams in README.md from the FSM tables.

Run `python scripts/gen_readme_diagrams.py`; `tests/unit/test_readme.py` fails when the README
and the tables disagree, so the pictures can never drift from the code.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from rollouts.fsm import mermaid

README = Path(__file__).resolve().parent.parent / "README.md"


def render(text: str) -> str:
    for which in ("rollout", "analysis"):
        block = f"<!-- fsm:{which} -->\n```mermaid\n{mermaid(which)}```\n<!-- /fsm:{which} -->"
        start, end = f"<!-- fsm:{which} -->", f"<!-- /fsm:{which} -->"
        pattern = re.compile(rf"{re.escape(start)}.*?{re.escape(end)}", re.DOTALL)
        text = pattern.sub(block.replace("\\", "\\\\"), text)
    return text


def main() -> int:
    current = README.read_text()
    updated = render(current)
    if updated != current:
        README.write_text(updated)
        print("README.md diagrams updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
