"""No two modules of ours import each other, directly or around a loop.

import-linter checks layers between packages; a cycle between files inside one package (the
compiler and its node compilers, say) passes it. Every import counts here, including those
under TYPE_CHECKING and inside functions, because each one still couples the files both ways.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("rollouts", "events", "adapters")

KNOWN = {
    # The manifest loader reports a FleetRollout's problems through rollouts.fleet, which builds
    # on rollouts.spec; the import is inside the function that needs it.
    frozenset({"rollouts.fleet.validate", "rollouts.spec", "rollouts.spec.loading"}),
    # AppSettings is named in wiring's signatures only (TYPE_CHECKING).
    frozenset({"adapters.workers.app", "adapters.workers.wiring"}),
}


def module_files() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in modules else base)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {target for target in found if target in modules and target != name}


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(graph[node])
    return seen


def cycles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """Groups of more than one module that each reach all the others."""
    reach = {name: reachable(graph, name) for name in graph}
    return {
        frozenset({name} | {other for other in reach[name] if name in reach[other]})
        for name in graph
        if name in reach[name]
    }


def test_the_cycle_finder_sees_a_loop() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == {frozenset({"a", "b", "c"})}


def test_no_import_cycles_beyond_the_known_ones() -> None:
    modules = module_files()
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
    found = cycles(graph)
    assert found - KNOWN == set(), "new import cycles: " + "; ".join(
        " <-> ".join(sorted(cycle)) for cycle in found - KNOWN
    )
    assert KNOWN - found == set(), "a known cycle is gone: remove it from KNOWN"
