"""`rollouts dashboard` itself: it serves the page on the port asked, from package files only."""

from __future__ import annotations

import asyncio
import re
import socket
from pathlib import Path

import aiohttp
import pytest

from adapters.cli.dashboard import serve_dashboard
from adapters.cli.errors import Unavailable
from adapters.cli.web.app import STATIC
from tests.integration.cli.conftest import System
from tests.support.nats import free_port

pytestmark = pytest.mark.integration
EXTERNAL = re.compile(r"(?:https?:)?//(?!www\.w3\.org/2000/svg)[a-z0-9.-]+", re.IGNORECASE)


def test_the_page_needs_nothing_from_the_internet() -> None:
    files = sorted(STATIC.iterdir())
    assert {f.name for f in files} >= {"index.html", "app.js", "views.js", "chart.js", "style.css"}
    for path in files:
        text = Path(path).read_text(encoding="utf-8")
        assert not EXTERNAL.findall(text), path.name
        assert "@import" not in text and "@font-face" not in text, path.name


async def test_the_command_serves_the_page_until_stopped(
    system: System, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    stop = asyncio.Event()
    task = asyncio.create_task(
        serve_dashboard(system.settings, stop, address="127.0.0.1", port=port)
    )
    try:
        async with aiohttp.ClientSession() as http:
            async with asyncio.timeout(10):
                while True:
                    try:
                        async with http.get(f"http://127.0.0.1:{port}/") as response:
                            page = await response.text()
                            break
                    except aiohttp.ClientConnectionError:
                        await asyncio.sleep(0.05)
            assert '<script src="/static/app.js">' in page
            async with http.get(f"http://127.0.0.1:{port}/static/chart.js") as response:
                assert response.status == 200
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    printed = capsys.readouterr().out
    assert printed == (
        f"dashboard on http://127.0.0.1:{port}/ (namespace default); Ctrl-C to stop\n"
    )


async def test_a_busy_port_is_one_line_naming_the_option(system: System) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(Unavailable, match=rf"^--port: cannot listen on 127.0.0.1:{port}: "):
            await serve_dashboard(system.settings, asyncio.Event(), address="127.0.0.1", port=port)
