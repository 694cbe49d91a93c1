"""Mutation fuzzing of manifests: deep, huge and odd documents are handled cleanly and fast.

Regression of issue 15, where 23 of 2,200 mutated manifests crashed the validation API and
`rollouts lint` (RecursionError, pydantic's "Maximum serialization depth") and 6 took over 2 s.
The Rollouts and AnalysisTemplates of the conformance corpus and deploy/examples are mutated:
nesting a few dozen to 50,000 levels deep (flow and block style, in any field and in a Web
metric's jsonBody), alias bombs, documents over the size limit, long lists and strings, type
swaps, truncation, stray tags and separators. Every result must be a LoadResult (objects that
serialise, problems that print) within 3 times the CPU time that checking plain, valid
manifests of its size (64 KiB at least) takes in the same run, and
one in ten goes through `rollouts lint` too, which must exit 0 or 1 with no traceback and no
`RecursionError`.

The seed is printed and can be replayed: `ROLLOUTS_FUZZ_SEED=1234 pytest -s <this file>`.
`ROLLOUTS_FUZZ_COUNT` changes how many documents are tried (default 600; about 25 s on a busy
machine), and
the run stops early, saying so, after `ROLLOUTS_FUZZ_SECONDS` (default 45).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from adapters.cli.main import app
from rollouts.spec import load_manifests
from rollouts.spec.limits import MAX_DOCUMENT_BYTES
from tests.support.cpu import cpu_ms
from tests.support.seeds import seeded_random

PLAIN_KIB = 64
"""The size of the plain corpus whose checking is the yardstick, and the size below which every
document gets the same budget (refusals by depth or size cost about the same at any size)."""
RATIO = 3.0
"""A document may cost this many times what plain, valid documents of its size (at least
PLAIN_KIB) cost, measured in the same run: parsing dominates past 64 KiB, and its rate differs
between machines (1 ms per KiB on a quiet fast one, 2.4 on a 2 GHz EPYC with an unoptimised
Python) while the ratio does not. Fuzzed documents came within 0.74-1.0 times in three runs
there (the test prints the worst); issue 15's ran 20 times and more."""
COUNT = int(os.environ.get("ROLLOUTS_FUZZ_COUNT", "600"))
SECONDS = float(os.environ.get("ROLLOUTS_FUZZ_SECONDS", "45"))
ROOT = Path(__file__).parents[3]
SOURCES = [
    *sorted((ROOT / "tests/data/conformance/seed").glob("*.yaml")),
    *sorted((ROOT / "tests/data/conformance/argo-examples").glob("*.yaml")),
    *sorted((ROOT / "deploy/examples").glob("*.yaml")),
]
KINDS = ("Rollout", "AnalysisTemplate", "ClusterAnalysisTemplate")
DEPTHS = [40, 63, 64, 65, 66, 100, 300, 999, 1_000, 1_001, 5_000, 50_000]


def seed_documents() -> list[dict[str, Any]]:
    found = []
    for path in SOURCES:
        try:
            documents = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        except yaml.YAMLError:
            continue  # a Helm template, not YAML until rendered
        found += [d for d in documents if isinstance(d, dict) and d.get("kind") in KINDS]
    assert len(found) >= 20, "the corpus went missing"
    return found


def paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value in `data`, the root excluded."""
    found: list[tuple[Any, ...]] = []
    if isinstance(data, dict):
        items: Any = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return found
    for key, value in items:
        found.append((*prefix, key))
        found.extend(paths(value, (*prefix, key)))
    return found


def replace_at(data: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


class Mutator:
    """One mutated manifest text per call, from a seed document."""

    def __init__(self, rng: random.Random, seeds: list[dict[str, Any]]) -> None:
        self.rng = rng
        self.seeds = seeds
        self.text_mutations: list[Callable[[str], str]] = [
            self.truncate, self.flip, self.stray_tag, self.separator, self.duplicate_key,
            self.alias_bomb, self.oversize, self.deep_text_tail,
        ]  # fmt: skip

    def document(self) -> dict[str, Any]:
        return yaml.safe_load(yaml.safe_dump(self.rng.choice(self.seeds)))  # type: ignore[no-any-return]

    def next(self) -> str:
        choice = self.rng.random()
        data = self.document()
        if choice < 0.45:
            return self.deep(data)
        if choice < 0.6:
            return self.data_mutation(data)
        return self.rng.choice(self.text_mutations)(yaml.safe_dump(data, sort_keys=False))

    def nested(self, depth: int) -> str:
        leaf = self.rng.choice(["1", "x", "{}", "[]", "null"])
        if self.rng.random() < 0.5:
            return "[" * depth + leaf + "]" * depth
        return "{a: " * depth + leaf + "}" * depth

    def deep(self, data: dict[str, Any]) -> str:
        """A deep value in a random field (flow style spliced in, or block style)."""
        depth = self.rng.choice(DEPTHS)
        if self.rng.random() < 0.3 and data.get("kind") != "Rollout":
            metrics = (data.get("spec") or {}).get("metrics") or [{}]
            web = {"url": "http://x/", "method": "POST", "jsonBody": "<DEEP>"}
            metrics[0]["provider"] = {"web": web}
        else:
            replace_at(data, self.rng.choice(paths(data)), "<DEEP>")
        if self.rng.random() < 0.7 or depth > 2_000:
            return yaml.safe_dump(data).replace("<DEEP>", self.nested(depth))
        block = "".join("  " * i + "- \n" if i % 2 else "  " * i + f"k{i}:\n" for i in range(depth))
        return yaml.safe_dump(data) + block + "  " * depth + "leaf: 1\n"

    def data_mutation(self, data: dict[str, Any]) -> str:
        path = self.rng.choice(paths(data))
        value: Any = self.rng.choice(
            [
                [0] * self.rng.choice([10, 10_000, 200_000]),
                "x" * self.rng.choice([10, 100_000, MAX_DOCUMENT_BYTES + 10]),
                {f"k{i}": i for i in range(self.rng.choice([10, 5_000]))},
                -1, 2**70, 1e308, float("nan"), True, None, [], {}, "${{args.x}}",
            ]
        )  # fmt: skip
        replace_at(data, path, value)
        return yaml.safe_dump(data, sort_keys=False)

    def truncate(self, text: str) -> str:
        return text[: self.rng.randrange(len(text))]

    def flip(self, text: str) -> str:
        chars = list(text)
        for _ in range(self.rng.randint(1, 8)):
            chars[self.rng.randrange(len(chars))] = self.rng.choice("[]{}:-&*!|>'\"\t#%@`\u00e9\n")
        return "".join(chars)

    def stray_tag(self, text: str) -> str:
        tag = self.rng.choice(["!!python/object:os.system", "!!binary", "!!set", "!custom", "!!"])
        return text.replace(": ", f": {tag} ", 1)

    def separator(self, text: str) -> str:
        lines = text.splitlines(keepends=True)
        lines.insert(self.rng.randrange(len(lines) + 1), self.rng.choice(["---\n", "...\n"]))
        return "".join(lines)

    def duplicate_key(self, text: str) -> str:
        first = text.splitlines(keepends=True)[0]
        return text + first

    def alias_bomb(self, text: str) -> str:
        width, levels = self.rng.choice([(10, 9), (2, 40), (100, 3), (3, 12)])
        lines = [f"l0: &l0 [{', '.join(['x'] * width)}]"]
        lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels)]
        return text + "\n".join(lines) + "\n"

    def oversize(self, text: str) -> str:
        filler = "# " + "x" * 78 + "\n"
        return text + filler * (MAX_DOCUMENT_BYTES // len(filler) + self.rng.choice([1, 1_000]))

    def deep_text_tail(self, text: str) -> str:
        return text + f"extra: {self.nested(self.rng.choice(DEPTHS))}\n"


def check_result(text: str) -> None:
    result = load_manifests(text, source="fuzz.yaml")
    for obj in result.objects:
        obj.model_dump_json()  # no "Maximum serialization depth"
    for problem in result.problems:
        assert str(problem) and "\n" not in problem.message, problem


def checked_ms(text: str) -> float:
    return cpu_ms(lambda: check_result(text))


def plain_text(documents: list[dict[str, Any]]) -> str:
    """The corpus as it is, repeated to PLAIN_KIB: what checking valid manifests costs."""
    parts: list[str] = []
    while sum(map(len, parts)) < PLAIN_KIB * 1024:
        parts.append("---\n" + yaml.safe_dump(documents[len(parts) % len(documents)]))
    return "".join(parts)


def plain_ms_per_kib(text: str) -> float:
    return min(checked_ms(text) for _ in range(3)) / (len(text) / 1024)


def lint_cleanly(runner: CliRunner, path: Path, text: str, tag: str) -> None:
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    result = runner.invoke(app, ["lint", "-f", str(path)])
    assert result.exit_code in (0, 1), f"{tag}: exit {result.exit_code}: {result.output[-400:]}"
    assert result.exception is None or isinstance(result.exception, SystemExit), tag
    assert "RecursionError" not in result.output and "Traceback" not in result.output, tag


def test_mutated_manifests_are_handled_cleanly_and_fast(tmp_path: Path) -> None:
    seeded = seeded_random("manifest fuzz", "ROLLOUTS_FUZZ_SEED")
    documents = seed_documents()
    mutator = Mutator(seeded.rng, documents)
    plain = plain_text(documents)
    per_kib = plain_ms_per_kib(plain)
    runner = CliRunner()
    deadline, slow, tried, worst = time.monotonic() + SECONDS, [], 0, 0.0
    for index in range(COUNT):
        if time.monotonic() > deadline:
            print(f"manifest fuzz: stopped after {index} documents ({SECONDS:g} s)")
            break
        text = mutator.next()
        tag = f"document {index}, {seeded.tag}"
        budget = RATIO * per_kib * max(len(text) / 1024, PLAIN_KIB)
        spent = checked_ms(text)
        if spent > budget:  # judged on its best run, against the yardstick as it is now
            spent = min(spent, checked_ms(text), checked_ms(text))
            budget = RATIO * plain_ms_per_kib(plain) * max(len(text) / 1024, PLAIN_KIB)
        if spent > budget:
            slow.append((index, round(spent), round(budget), len(text)))
        worst = max(worst, spent / budget * RATIO)
        if index % 10 == 0:
            lint_cleanly(runner, tmp_path / "fuzz.yaml", text, tag)
        tried += 1
    print(f"manifest fuzz: {per_kib:.2f} ms per KiB of plain manifests; worst {worst:.2f}x that")
    assert tried >= min(COUNT, 200), f"only {tried} documents in {SECONDS:g} s, {seeded.tag}"
    assert slow == [], f"over budget (index, ms, budget ms, chars): {slow[:10]}, {seeded.tag}"
