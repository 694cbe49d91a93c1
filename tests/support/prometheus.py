"""A real Prometheus for integration tests, scraping a tiny app whose traffic the test controls.

Prometheus is the Debian package's binary run as a plain process (one per test session: the first
`rate()` data takes several seconds after a cold start). The app is aiohttp + prometheus_client on
its own event loop in a thread, because Prometheus scrapes it between tests too, while no test
loop is running. Each scrape first adds the increments the test configured, so rates and ratios
are exact (8 errors per 100 requests is an error rate of exactly 0.08).
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import ClientSession, web
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

PROMETHEUS_BINARY = "/usr/bin/prometheus"
MISSING_BINARY = "prometheus binary not found; apt-get install prometheus"
READY_TIMEOUT = 30.0
DATA_TIMEOUT = 45.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    """Serve `app` on a free loopback port; yields its base URL and cleans up afterwards."""
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


@dataclass
class _Traffic:
    ok: int
    errors: int
    latency: float | None


@dataclass
class TrafficApp:
    """`http_requests_total{service,version,status}` and `http_request_duration_seconds`."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    port: int = field(default_factory=free_port)
    scrapes: int = 0
    _traffic: dict[tuple[str, str], _Traffic] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        self.requests = Counter(
            "http_requests",
            "Requests served.",
            ["service", "version", "status"],
            registry=self.registry,
        )
        self.durations = Histogram(
            "http_request_duration_seconds",
            "Request latency.",
            ["service", "version"],
            registry=self.registry,
        )

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def add_requests(self, service: str, version: str, status: str, count: int) -> None:
        """Add `count` requests once (a counter that then stays where it is)."""
        self.requests.labels(service, version, status).inc(count)

    def set_traffic(
        self, service: str, version: str, *, ok: int, errors: int, latency: float | None = None
    ) -> None:
        """From now on, each scrape adds `ok` 200s and `errors` 500s (and their latencies)."""
        self.requests.labels(service, version, "200").inc(0)
        self.requests.labels(service, version, "500").inc(0)
        with self._lock:
            self._traffic[(service, version)] = _Traffic(ok, errors, latency)

    def _apply_traffic(self) -> None:
        with self._lock:
            self.scrapes += 1
            for (service, version), traffic in self._traffic.items():
                self.requests.labels(service, version, "200").inc(traffic.ok)
                self.requests.labels(service, version, "500").inc(traffic.errors)
                if traffic.latency is not None:
                    for _ in range(traffic.ok + traffic.errors):
                        self.durations.labels(service, version).observe(traffic.latency)

    async def _metrics(self, request: web.Request) -> web.Response:
        self._apply_traffic()
        return web.Response(body=generate_latest(self.registry), content_type="text/plain")

    def start(self) -> None:
        started = threading.Event()
        loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        runner = web.AppRunner(app, shutdown_timeout=1.0)

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(runner.setup())
            loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
            started.set()
            loop.run_forever()
            loop.run_until_complete(runner.cleanup())
            loop.close()

        self._loop, self._thread = loop, threading.Thread(target=run, daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("the traffic app did not start")

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)


@dataclass
class PrometheusServer:
    binary: str
    target: str
    port: int = field(default_factory=free_port)
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="prometheus-")))
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        config = self.workdir / "prometheus.yml"
        config.write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            "scrape_configs:\n  - job_name: app\n    scrape_interval: 1s\n"
            f"    static_configs:\n      - targets: ['{self.target}']\n"
        )
        log = (self.workdir / "prometheus.log").open("wb")
        self.process = subprocess.Popen(
            [
                self.binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={self.workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                break
            with (
                suppress(OSError),
                urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as answer,
            ):
                if answer.status == 200:
                    return
            time.sleep(0.1)
        log = (self.workdir / "prometheus.log").read_text(errors="replace")[-2000:]
        self.stop()
        raise RuntimeError(f"prometheus did not become ready:\n{log}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.workdir, ignore_errors=True)


def prometheus_binary() -> str | None:
    found = shutil.which("prometheus")
    if found:
        return found
    return PROMETHEUS_BINARY if Path(PROMETHEUS_BINARY).exists() else None


@pytest.fixture(scope="session")
def traffic_app() -> Iterator[TrafficApp]:
    app = TrafficApp()
    app.start()
    yield app
    app.stop()


@pytest.fixture(scope="session")
def prometheus(traffic_app: TrafficApp) -> Iterator[PrometheusServer]:
    binary = prometheus_binary()
    if binary is None:
        pytest.skip(MISSING_BINARY)
    server = PrometheusServer(binary=binary, target=traffic_app.target)
    server.start()
    yield server
    server.stop()


async def query(url: str, promql: str) -> dict[str, Any]:
    """The `data` of an instant query (for test set-up, not under test)."""
    async with httpx.AsyncClient(trust_env=False, timeout=5.0) as client:
        answer = await client.get(f"{url}/api/v1/query", params={"query": promql})
        answer.raise_for_status()
        data: dict[str, Any] = answer.json()["data"]
        return data


async def wait_for_data(url: str, promql: str, timeout: float = DATA_TIMEOUT) -> dict[str, Any]:
    """Poll until `promql` returns a non-empty, non-NaN result (the target is up and scraped)."""
    deadline = time.monotonic() + timeout
    while True:
        data = await query(url, promql)
        result = data["result"]
        if result and "NaN" not in str(result):
            return data
        if time.monotonic() > deadline:
            raise TimeoutError(f"no data for {promql!r} after {timeout}s: {data}")
        await asyncio.sleep(0.25)


async def wait_for_target(url: str, timeout: float = DATA_TIMEOUT) -> None:
    data = await wait_for_data(url, 'up{job="app"} == 1', timeout)
    assert data["result"], data


@dataclass
class ProxySeen:
    authorizations: list[str] = field(default_factory=list)


@asynccontextmanager
async def auth_proxy(upstream: str, expected: str) -> AsyncIterator[tuple[str, ProxySeen]]:
    """A reverse proxy to `upstream` that answers 401 unless `Authorization` equals `expected`."""
    seen = ProxySeen()
    async with ClientSession() as session:

        async def forward(request: web.Request) -> web.StreamResponse:
            authorization = request.headers.get("Authorization", "")
            seen.authorizations.append(authorization)
            if authorization != expected:
                return web.Response(status=401, text="unauthorized")
            body = await request.read()
            headers = {"Content-Type": request.headers.get("Content-Type", "")}
            async with session.request(
                request.method, f"{upstream}{request.rel_url}", data=body, headers=headers
            ) as answer:
                payload = await answer.read()
                return web.Response(
                    status=answer.status, body=payload, content_type=answer.content_type
                )

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", forward)
        async with serve(app) as url:
            yield url, seen
