"""`rollouts fleet demo` end to end: it must report success only when every cluster is right."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from adapters.fleet.demo import FleetDemo

pytestmark = [pytest.mark.integration, pytest.mark.slow]


async def test_the_demo_ends_with_v2_everywhere_and_v3_nowhere() -> None:
    out = io.StringIO()
    assert await FleetDemo(Console(file=out, width=200)).run(), out.getvalue()
    text = out.getvalue()
    # the analysis failure or the score it drags down, whichever the coordinator sees first
    assert re.search(r"aborted: (AnalysisFailed|ScoreBelowThreshold) in prod-ap-southeast-1", text)
    assert "prod-us-east-1         never received v3" in text
    assert "every cluster ended where it should" in text
