"""Log lines are captured, not printed: an earlier test may have pointed structlog at a stream
that is closed by now, and the worker tests read the captured lines (no secret may be in them)."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

import pytest
from structlog.testing import capture_logs


@pytest.fixture(autouse=True)
def logs() -> Iterator[list[MutableMapping[str, Any]]]:
    with capture_logs() as captured:
        yield captured
