"""A real `kubectl` (Debian's kubernetes-client) pointed at the fake API server.

Each test gets its own kubeconfig (plain http, a token the fake does not check) and its own
discovery/OpenAPI cache directory, so nothing is read from or written to the user's ~/.kube.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

KUBECTL = shutil.which("kubectl")
needs_kubectl = pytest.mark.skipif(
    KUBECTL is None, reason="kubectl is not installed (Debian package kubernetes-client)"
)


@dataclass(frozen=True, slots=True)
class Result:
    code: int
    out: str
    err: str

    def lines(self) -> list[list[str]]:
        """stdout as a table: the words of each line."""
        return [line.split() for line in self.out.splitlines() if line.strip()]


class Kubectl:
    def __init__(self, url: str, home: Path) -> None:
        assert KUBECTL is not None
        self.binary = KUBECTL
        home.mkdir(parents=True, exist_ok=True)
        self.kubeconfig = home / "kubeconfig"
        self.kubeconfig.write_text(
            "apiVersion: v1\nkind: Config\ncurrent-context: fake\n"
            f"clusters:\n- name: fake\n  cluster: {{server: '{url}'}}\n"
            "contexts:\n- name: fake\n"
            "  context: {cluster: fake, user: tester, namespace: default}\n"
            "users:\n- name: tester\n  user: {token: not-checked}\n"
        )
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "KUBECONFIG": str(self.kubeconfig),
            "KUBECACHEDIR": str(home / "cache"),
        }
        self.calls: list[tuple[str, ...]] = []

    async def run(self, *args: str, stdin: str | None = None, timeout: float = 60) -> Result:
        """Runs kubectl; a non-zero exit is returned, not raised (see `ok`)."""
        self.calls.append(args)
        process = await asyncio.create_subprocess_exec(
            self.binary,
            *args,
            env=self.env,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        async with asyncio.timeout(timeout):
            out, err = await process.communicate(stdin.encode() if stdin is not None else None)
        assert process.returncode is not None
        return Result(process.returncode, out.decode(), err.decode())

    async def start(self, *args: str) -> asyncio.subprocess.Process:
        """Starts a kubectl that runs until stopped (`get -w`): the caller terminates it."""
        self.calls.append(args)
        return await asyncio.create_subprocess_exec(
            self.binary,
            *args,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )

    async def ok(self, *args: str, stdin: str | None = None) -> Result:
        """Runs kubectl and fails the test, with its stderr, unless it exits 0."""
        result = await self.run(*args, stdin=stdin)
        assert result.code == 0, f"kubectl {' '.join(args)} exited {result.code}: {result.err}"
        return result

    async def json(self, *args: str) -> Any:
        return json.loads((await self.ok(*args, "-o", "json")).out)
