"""httpx's transport asks which event loop it runs on several times per request, through
`import sniffio`. With sniffio missing the answer is still right, but a failed import is not
cached: every request searched sys.path again, 17 % of the fleet demo's CPU. The dependency is
declared (pyproject.toml) so the import is a lookup in `sys.modules`."""

from __future__ import annotations

import sys

import httpcore._synchronization as synchronization


async def test_the_event_loop_is_named_without_searching_for_a_module() -> None:
    assert synchronization.current_async_library() == "asyncio"
    assert "sniffio" in sys.modules
