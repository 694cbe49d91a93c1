"""Keep the app's own logs out of the demo's view while the demo runs.

The workers log through structlog, which by default prints every info line to stdout: under a
Rich Live panel that would tear the display, and piped it would bury the demo's story. During
the demo only warnings and errors are shown, printed through the demo's console (above the
panel); the previous configuration is restored afterwards.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import structlog
from rich.console import Console
from rich.text import Text


class ConsoleLogger:
    """A structlog logger writing rendered lines through a Rich console."""

    def __init__(self, console: Console) -> None:
        self._console = console

    def msg(self, message: str) -> None:
        self._console.print(Text(f"   log: {message}", style="yellow"), soft_wrap=True)

    debug = info = warning = warn = error = critical = exception = fatal = failure = msg


@contextlib.contextmanager
def demo_logging(console: Console) -> Iterator[None]:
    saved: dict[str, Any] = structlog.get_config()
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.dev.ConsoleRenderer(colors=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=lambda *args: ConsoleLogger(console),
        cache_logger_on_first_use=False,
    )
    try:
        yield
    finally:
        structlog.configure(**saved)
