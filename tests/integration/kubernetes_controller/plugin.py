"""`kubectl argo rollouts` against the fake API, request for request.

Each command reads the Rollout as the plugin does, chooses its patches with the plugin's rules
(pkg/kubectl-argo-rollouts/cmd/*: promote's getPatches, abort, retry, pause, set image) and
sends the same bytes with the same verbs: JSON merge patches, the status subresource first,
then the spec; `set image` is a GET and a PUT of the whole object. The patch bodies are the
plugin's format strings, spaces included.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp

Obj = dict[str, Any]
MERGE = "application/merge-patch+json"

SET_STEP = '{"status":{"currentStepIndex":%d}}'
UNPAUSE = '{"spec":{"paused":false}}'
CLEAR_PAUSES = '{"status":{"pauseConditions":null}}'
CLEAR_PAUSES_AND_CONTROLLER_PAUSE = (
    '{"status":{"pauseConditions":null, "controllerPause":false, "currentStepIndex":%d}}'
)
PROMOTE_FULL = '{"status":{"promoteFull":true}}'
CLEAR_PAUSES_WITH_STEP = '{"status":{"pauseConditions":null, "currentStepIndex":%d}}'
ABORT = '{"status":{"abort":true}}'
RETRY = '{"status":{"abort":false}}'
PAUSE = '{"spec":{"paused":true}}'
RESTART = '{"spec":{"restartAt":"%s"}}'


class Plugin:
    def __init__(self, session: aiohttp.ClientSession, url: str, group: str = "argoproj.io"):
        self._session = session
        self._url = url
        self._group = group
        self.sent: list[tuple[str, str]] = []
        """(subresource or "", body) of every patch, in order."""

    def _path(self, namespace: str, name: str, subresource: str = "") -> str:
        tail = f"/{subresource}" if subresource else ""
        base = f"{self._url}/apis/{self._group}/v1alpha1/namespaces/{namespace}/rollouts/{name}"
        return base + tail

    async def get(self, namespace: str, name: str) -> Obj:
        async with self._session.get(self._path(namespace, name)) as response:
            assert response.status == 200, await response.text()
            found: Obj = await response.json()
            return found

    async def _patch(self, namespace: str, name: str, body: str, subresource: str = "") -> Obj:
        self.sent.append((subresource, body))
        headers = {"Content-Type": MERGE}
        url = self._path(namespace, name, subresource)
        async with self._session.patch(url, data=body, headers=headers) as response:
            assert response.status == 200, await response.text()
            found: Obj = await response.json()
            return found

    async def promote(self, namespace: str, name: str, *, full: bool = False) -> None:
        rollout = await self.get(namespace, name)
        spec_patch, status_patch = promote_patches(rollout, full=full)
        if status_patch is not None:
            await self._patch(namespace, name, status_patch, "status")
        if spec_patch is not None:
            await self._patch(namespace, name, spec_patch)

    async def skip_current_step(self, namespace: str, name: str) -> None:
        """`promote --skip-current-step` (canary with steps)."""
        rollout = await self.get(namespace, name)
        index = _current_index(rollout)
        if index is not None:
            index = min(index + 1, len(_steps(rollout)))
            await self._patch(namespace, name, SET_STEP % index, "status")

    async def abort(self, namespace: str, name: str) -> None:
        await self._patch(namespace, name, ABORT, "status")

    async def retry(self, namespace: str, name: str) -> None:
        await self._patch(namespace, name, RETRY, "status")

    async def pause(self, namespace: str, name: str) -> None:
        await self._patch(namespace, name, PAUSE)

    async def restart(self, namespace: str, name: str, at: str) -> None:
        """`restart ROLLOUT [--in D]`: restartAt is now + D in UTC, RFC 3339 (`at`)."""
        await self._patch(namespace, name, RESTART % at)

    async def set_image(self, namespace: str, name: str, container: str, image: str) -> Obj:
        """GET and conditional PUT. The controller's status writes may win the race (409), as
        they do against the real plugin; the user runs the command again, and so does this."""
        for _ in range(10):
            rollout = await self.get(namespace, name)
            for entry in rollout["spec"]["template"]["spec"]["containers"]:
                if container in ("*", entry["name"]):
                    entry["image"] = image
            body = json.dumps(rollout)
            headers = {"Content-Type": "application/json"}
            url = self._path(namespace, name)
            async with self._session.put(url, data=body, headers=headers) as response:
                if response.status == 409:
                    continue
                assert response.status == 200, await response.text()
                self.sent.append(("", body))
                found: Obj = await response.json()
                return found
        raise AssertionError("set image: conflicting writes ten times in a row")


def _steps(rollout: Obj) -> list[Any]:
    canary = (rollout.get("spec") or {}).get("strategy", {}).get("canary") or {}
    return list(canary.get("steps") or [])


def _current_index(rollout: Obj) -> int | None:
    """The plugin's GetCurrentCanaryStep: 0 when unset, None without steps."""
    if not _steps(rollout):
        return None
    index = (rollout.get("status") or {}).get("currentStepIndex")
    return int(index) if index is not None else 0


def _inconclusive(rollout: Obj) -> bool:
    canary_spec = (rollout.get("spec") or {}).get("strategy", {}).get("canary")
    run = ((rollout.get("status") or {}).get("canary") or {}).get("currentStepAnalysisRunStatus")
    return canary_spec is not None and run is not None and run.get("status") == "Inconclusive"


def promote_patches(rollout: Obj, *, full: bool) -> tuple[str | None, str | None]:
    """(spec patch, status patch) of `promote [--full]` (status subresource in use)."""
    spec = rollout.get("spec") or {}
    status = rollout.get("status") or {}
    spec_patch = UNPAUSE if spec.get("paused") else None
    if full:
        promote_full = status.get("currentPodHash") != status.get("stableRS")
        return spec_patch, PROMOTE_FULL if promote_full else None
    pauses = status.get("pauseConditions") or []
    index = _current_index(rollout)
    steps = len(_steps(rollout))
    if _inconclusive(rollout) and pauses and status.get("controllerPause"):
        if index is None:
            return spec_patch, None
        return spec_patch, CLEAR_PAUSES_AND_CONTROLLER_PAUSE % min(index + 1, steps)
    if pauses:
        return spec_patch, CLEAR_PAUSES
    if spec.get("strategy", {}).get("canary") is not None and index is not None:
        return spec_patch, CLEAR_PAUSES_WITH_STEP % min(index + 1, steps)
    return spec_patch, None
