"""The domain is pure: importing it pulls in no IO, network, logging or CLI library."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = (
    "nats",
    "httpx",
    "faststream",
    "structlog",
    "kubernetes_asyncio",
    "aiohttp",
    "requests",
    "urllib3",
    "anyio",
    "typer",
    "rich",
    "asyncio",
    "ssl",
    "http",
)
"""Third-party IO, network, logging and CLI libraries, plus the standard library's event loop,
TLS and HTTP. The bare `socket` and `logging` modules are not listed: pydantic's plugin loader
imports `socket` through `email.utils`, and the `transitions` library behind rollouts.fsm imports
`logging` for its own logger; nothing in the domain uses either (review and ruff keep it so)."""

PROGRAM = (
    "import rollouts, rollouts.decide, rollouts.spec, rollouts.analysis, rollouts.replicas, "
    "rollouts.timers; import sys; print(sorted(sys.modules))"
)


def test_importing_the_domain_loads_no_io_library() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = set(eval_free_list(result.stdout))
    assert "rollouts.decide" in loaded, "the program really imported the domain"
    offending = sorted(name for name in loaded if name.split(".")[0] in FORBIDDEN)
    assert offending == []


def eval_free_list(printed: str) -> list[str]:
    """Parse the printed list of module names without eval."""
    body = printed.strip().removeprefix("[").removesuffix("]")
    return [item.strip().strip("'\"") for item in body.split(",") if item.strip()]
