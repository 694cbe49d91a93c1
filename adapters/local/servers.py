"""One aiohttp server on the loopback interface, with bind failures reported as `PortError`."""

from __future__ import annotations

from aiohttp import web

from rollouts.ports import PortError

LOOPBACK = "127.0.0.1"


class LoopbackServer:
    """Serves `app` on 127.0.0.1; port 0 lets the OS choose a free one.

    `shutdown_timeout` is short because a pod or proxy that is being stopped must not hold a
    scale-down for a minute waiting on a slow request (aiohttp's default is 60 s). Handlers are
    cancelled when their client goes away: a request the proxy gave up on (a cancelled mirror
    copy, a client that hung up) must not keep a pod busy, nor outlive `stop()` as a task.
    """

    def __init__(
        self,
        app: web.Application,
        what: str,
        *,
        port: int = 0,
        shutdown_timeout: float = 0.5,
    ) -> None:
        self._app = app
        self._what = what
        self._wanted_port = port
        self._shutdown_timeout = shutdown_timeout
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise PortError(f"{self._what} is not listening")
        return self._port

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    async def start(self) -> None:
        runner = web.AppRunner(
            self._app,
            handle_signals=False,
            access_log=None,
            shutdown_timeout=self._shutdown_timeout,
            handler_cancellation=True,
        )
        await runner.setup()
        site = web.TCPSite(runner, LOOPBACK, self._wanted_port)
        try:
            await site.start()
        except OSError as error:
            await runner.cleanup()
            raise PortError(
                f"{self._what} could not listen on {LOOPBACK}:{self._wanted_port}: "
                f"{error.strerror or error}"
            ) from error
        self._runner = runner
        self._port = _bound_port(runner, self._what)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    @property
    def running(self) -> bool:
        return self._runner is not None


def _bound_port(runner: web.AppRunner, what: str) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    raise PortError(f"{what} started but reports no TCP address")
