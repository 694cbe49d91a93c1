"""The Dockerfile and .dockerignore (no Docker here: the files are read, not built)."""

from __future__ import annotations

import fnmatch
import json
import tomllib

from tests.deploy.manifests import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()
INSTRUCTIONS = [
    line.strip()
    for line in DOCKERFILE.replace("\\\n", " ").splitlines()
    if line.strip() and not line.lstrip().startswith("#")
]


def instructions(name: str) -> list[str]:
    return [line[len(name) + 1 :] for line in INSTRUCTIONS if line.split()[0] == name]


def final_stage() -> list[str]:
    last_from = max(i for i, line in enumerate(INSTRUCTIONS) if line.startswith("FROM "))
    return INSTRUCTIONS[last_from:]


def test_two_stages_on_python_311_slim() -> None:
    stages = instructions("FROM")
    assert stages == ["python:3.11-slim AS build", "python:3.11-slim"]


def test_installs_the_package_with_pip() -> None:
    assert any("pip install ." in run for run in instructions("RUN"))
    assert "COPY --from=build /opt/rollouts /opt/rollouts" in final_stage()


def test_final_stage_runs_as_a_numeric_non_root_user() -> None:
    (user,) = [line for line in final_stage() if line.startswith("USER ")]
    uid, _, gid = user.split()[1].partition(":")
    assert int(uid) > 0 and int(gid) > 0


def test_entrypoint_is_the_rollouts_command() -> None:
    assert [json.loads(e) for e in instructions("ENTRYPOINT")] == [["rollouts"]]
    assert instructions("EXPOSE") == ["8090"]


def test_fetches_nothing_but_python_packages() -> None:
    for run in instructions("RUN"):
        assert "curl" not in run and "wget" not in run and "apt-get" not in run


def copied_sources() -> set[str]:
    sources = set()
    for copy in instructions("COPY"):
        if copy.startswith("--from"):
            continue
        *names, _ = copy.split()
        sources |= set(names)
    return sources


def test_copies_the_packages_pyproject_declares() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {p.rstrip("*") for p in patterns}
    assert packages | {"pyproject.toml", pyproject["project"]["readme"]} == copied_sources()
    for source in copied_sources():
        assert (ROOT / source).exists(), source


def test_dockerignore_lets_in_exactly_what_is_copied() -> None:
    lines = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*"
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    assert allowed == copied_sources()
    excluded = [line for line in lines[1:] if not line.startswith("!")]
    assert any(fnmatch.fnmatch("adapters/cli/__pycache__", pattern) for pattern in excluded)
