"""A structlog logger that imports structlog on its first call.

structlog's import loads rich's traceback module and pygments (about 40 ms). Runtime modules
that the CLI imports to read the stream (leases, publish) log only inside long-running
processes, so a short command must not pay for it at start.
"""

from __future__ import annotations

from typing import Any


class LazyLogger:
    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, method: str) -> Any:
        import structlog

        return getattr(structlog.get_logger(self._name), method)
