"""A job's failure never stops its key and is never silent: logged with its traceback, counted
through `on_error`, and only the latest few are kept."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest
import structlog
from structlog.testing import capture_logs

from adapters.runtime.keyed import KEPT_ERRORS, KeyedExecutor
from adapters.runtime.observability import configure_logging


async def test_failed_jobs_are_logged_counted_and_bounded() -> None:
    counted: list[BaseException] = []
    executor = KeyedExecutor(name="test", on_error=counted.append)
    done: list[int] = []

    async def fail(index: int) -> None:
        raise ValueError(f"job {index} failed")

    async def succeed() -> None:
        done.append(1)

    with capture_logs() as logs:
        for index in range(KEPT_ERRORS + 20):
            executor.submit("k", lambda index=index: fail(index))  # type: ignore[misc]
        executor.submit("k", succeed)
        await executor.wait_idle()
    assert done == [1]
    assert len(counted) == KEPT_ERRORS + 20
    assert len(executor.errors) == KEPT_ERRORS
    assert str(executor.errors[-1]) == f"job {KEPT_ERRORS + 19} failed"
    failures = [e for e in logs if e["event"] == "executor.job_failed"]
    assert len(failures) == KEPT_ERRORS + 20
    assert isinstance(failures[0]["exc_info"], ValueError)


async def test_a_broken_error_hook_does_not_stop_the_key() -> None:
    def broken(error: BaseException) -> None:
        raise RuntimeError("hook")

    executor = KeyedExecutor(on_error=broken)
    done: list[int] = []

    async def fail() -> None:
        raise ValueError("x")

    async def succeed() -> None:
        done.append(1)

    with capture_logs():
        executor.submit("k", fail)
        executor.submit("k", succeed)
        await executor.wait_idle()
    assert done == [1]


def test_json_logs_carry_the_traceback_text(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    saved = structlog.get_config()
    try:
        configure_logging(json_logs=True, level=logging.INFO)
        try:
            raise ValueError("the handler broke")
        except ValueError as error:
            structlog.get_logger("t").error("executor.job_failed", exc_info=error)
    finally:
        structlog.configure(**saved)
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert "exc_info" not in line
    assert "Traceback (most recent call last)" in line["exception"]
    assert "ValueError: the handler broke" in line["exception"]
