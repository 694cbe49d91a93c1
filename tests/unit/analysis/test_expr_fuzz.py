"""Grammar-based fuzzing of the condition language: bounded cost, and only its own errors.

Thousands of conditions are generated from the grammar (builtins, predicates, ranges of every
size, nesting, regular expressions including catastrophic-backtracking and Go-rejected ones),
then mutated (spliced, repeated, wrapped in loops, cut). Each one must evaluate to a bool or
raise a `ConditionError` within 50 ms, or within 20 times a plain condition's cost measured
at that moment on a slower machine (`budget.py`), in CPU time of this thread so that other
processes on a shared CI machine do not count. A condition over 50 ms is measured twice more
and judged on its best run (as timeit does); the garbage collector is paused while measuring,
since its pauses belong to the whole process, not to the condition.

The seed is printed and can be replayed: `ROLLOUTS_FUZZ_SEED=1234 pytest -s <this file>`.
`ROLLOUTS_FUZZ_COUNT` changes how many conditions are tried (default 2000, a few seconds).
"""

from __future__ import annotations

import gc
import os
import random
import time

from rollouts.analysis import ConditionError, compile_condition, evaluate_condition
from rollouts.analysis.expr.condition import _compile_cached
from tests.unit.analysis.budget import within_budget

LIMIT_MS = 50.0
COUNT = int(os.environ.get("ROLLOUTS_FUZZ_COUNT", "2000"))

REGEXES = [
    "^(a+)+$", "(a|aa)+$", "^(a|a?)+$", "(x+x+)+y", "(?:a|b)*a[ab]{200}c", "[ab]{0,1000}c",
    "(a)\\\\1", "(?=a)", "(?<!a)b", "a{1001}", "\\\\C", "(", "^\\\\d+$", "(?i)ok", ".*",
    "\\\\pL+", "^$", "[[:alpha:]]{3,}", "(?s).+x", "a**",
]  # fmt: skip
BUILTINS_1 = [
    "len", "abs", "ceil", "floor", "round", "int", "float", "string", "upper", "lower", "trim",
    "keys", "values", "first", "last", "sort", "max", "min", "mean", "median", "asInt",
    "asFloat", "isNaN", "isInf", "isNil", "count", "sum",
]  # fmt: skip
PREDICATES = ["all", "any", "none", "one", "filter", "map", "find", "count", "sum"]
BINARY = [
    "+", "-", "*", "/", "%", "**", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "in",
    "not in", "contains", "startsWith", "endsWith", "matches", "??", "..",
]  # fmt: skip
RESULTS: list[object] = [
    None,
    0.5,
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!",
    "ab" * 3000,
    [0.1] * 3000,
    list(range(500)),
    [[1.5] * 50] * 50,
    {"a": 1, "b": [1, 2, 3], "count": 10},
    ["x", "y", "z"] * 200,
]


class Generator:
    """Random conditions from the grammar, with a depth budget so they stay near realistic."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def number(self) -> str:
        r = self.rng
        return r.choice(
            ["0", "1", "-1", "2.5", "1e3", "0x1F", str(r.randint(0, 10 ** r.randint(0, 7)))]
        )

    def leaf(self) -> str:
        r = self.rng
        return r.choice(
            [
                self.number(), "result", "#", "#index", "nil", "true", "false", "'a'",
                f"'{'x' * r.choice([0, 10, 1000, 5000])}'", f"'{r.choice(REGEXES)}'",
                "result[0]", "result.a", "result?.count",
            ]
        )  # fmt: skip

    def big(self) -> str:
        """A range whose size spans from tiny to far past every budget."""
        size = int(10 ** self.rng.uniform(0, 6.5))
        return f"1..{size}"

    def expr(self, depth: int) -> str:
        """Any expression at all: most are type errors, which is also worth exercising."""
        if depth <= 0:
            return self.leaf()
        d, r = depth - 1, self.rng
        forms = [
            lambda: f"{self.expr(d)} {r.choice(BINARY)} {self.expr(d)}",
            lambda: f"{r.choice(BUILTINS_1)}({self.sized(d)})",
            lambda: f"{r.choice(PREDICATES)}({self.sized(d)}, {self.expr(d)})",
            lambda: f"{self.leaf()} {r.choice(['matches', 'not matches'])} '{r.choice(REGEXES)}'",
            lambda: f"[{', '.join(self.expr(d) for _ in range(r.randint(0, 4)))}]",
            lambda: f"({self.expr(d)} ? {self.expr(d)} : {self.expr(d)})",
            lambda: f"{r.choice(['!', '-', 'not '])}{self.expr(d)}",
            lambda: self.sized(d),
        ]
        weights = [20, 15, 20, 10, 10, 10, 5, 10]
        return r.choices(forms, weights)[0]()

    def sized(self, depth: int) -> str:
        r = self.rng
        return self.big() if r.random() < 0.4 else self.expr(depth)

    def mutate(self, text: str) -> str:
        r = self.rng
        choice = r.random()
        if choice < 0.25:
            return f"all({self.big()}, {text})"
        if choice < 0.4:
            return r.choice(["+", "&&", " + "]).join([text] * r.randint(2, 40))
        if choice < 0.5:
            depth = r.randint(50, 400)
            return r.choice(["(", "[", "!", "-", "len("]) * depth + text + ")" * depth
        if choice < 0.6:
            cut = r.randint(0, len(text))
            return text[:cut] + self.expr(2) + text[cut:]
        if choice < 0.7:
            return "+".join(["1"] * r.randint(100, 5000)) + " > 0"
        return text

    def boolean(self, depth: int) -> str:
        """A well-typed condition, so that many evaluate to a value rather than a type error."""
        r = self.rng
        if depth <= 0:
            return r.choice(["true", "# > 0", "result != nil", "len(result) > 0"])
        pick = r.random()
        if pick < 0.3:
            return f"{self.numeric(depth - 1)} {r.choice(['<', '>=', '==', '!='])} {self.number()}"
        if pick < 0.55:
            name = r.choice(["all", "any", "none", "one"])
            return f"{name}({self.listy(depth - 1)}, {self.boolean(depth - 1)})"
        if pick < 0.7:
            return f"string({self.listy(depth - 1)}) matches '{r.choice(REGEXES)}'"
        return f"({self.boolean(depth - 1)} {r.choice(['&&', '||'])} {self.boolean(depth - 1)})"

    def numeric(self, depth: int) -> str:
        r = self.rng
        if depth <= 0:
            return r.choice(["#", self.number(), "len(result)"])
        fn = r.choice(["len", "sum", "mean", "max", "median", "count"])
        if fn == "count":
            return f"count({self.listy(depth - 1)}, {self.boolean(depth - 1)})"
        return f"{fn}({self.listy(depth - 1)})"

    def listy(self, depth: int) -> str:
        r = self.rng
        if depth <= 0 or r.random() < 0.4:
            return r.choice([self.big(), "result", "[1, 2.5, 3]"])
        pick = r.choice(["map", "filter", "sort", "split"])
        if pick == "map":
            return f"map({self.listy(depth - 1)}, {self.numeric(depth - 1)})"
        if pick == "filter":
            return f"filter({self.listy(depth - 1)}, {self.boolean(depth - 1)})"
        if pick == "sort":
            return f"sort({self.listy(depth - 1)})"
        return f"split(string({self.listy(depth - 1)}), ' ')"

    def condition(self) -> str:
        depth = self.rng.randint(1, 5)
        text = self.boolean(depth) if self.rng.random() < 0.5 else self.expr(depth)
        return self.mutate(text) if self.rng.random() < 0.4 else text


def _cpu_ms(expression: str, result: object, *, fresh: bool = False) -> tuple[float, str | None]:
    """CPU milliseconds to compile and evaluate, and the name of any foreign exception."""
    if fresh:  # a re-measurement compiles again rather than reading the compile cache
        _compile_cached.cache_clear()
    gc.disable()
    start = time.thread_time()
    leak = None
    try:
        evaluate_condition(expression, result)
    except ConditionError:
        pass
    except Exception as exc:
        leak = f"{type(exc).__name__}: {exc}"
    finally:
        spent = (time.thread_time() - start) * 1000
        gc.enable()
    return spent, leak


def _seed() -> int:
    configured = os.environ.get("ROLLOUTS_FUZZ_SEED")
    return int(configured) if configured else random.SystemRandom().randrange(2**32)


def test_every_generated_condition_is_bounded_and_fails_only_as_a_condition_error() -> None:
    seed = _seed()
    print(f"condition fuzz seed: {seed} (replay with ROLLOUTS_FUZZ_SEED={seed})")
    rng = random.Random(seed)
    generator = Generator(rng)
    compile_condition("true")  # Lark builds its tables once per process: not a condition's cost
    slow: list[tuple[float, str]] = []
    leaks: list[tuple[str, str]] = []
    started = time.monotonic()
    for _ in range(COUNT):
        expression, result = generator.condition(), rng.choice(RESULTS)
        spent, leak = _cpu_ms(expression, result)
        if leak:
            leaks.append((expression[:200], leak))
        if spent > LIMIT_MS:
            spent = min(spent, *(_cpu_ms(expression, result, fresh=True)[0] for _ in range(2)))
            if not within_budget(spent):
                slow.append((round(spent, 1), expression[:200]))
    elapsed = time.monotonic() - started
    print(f"{COUNT} conditions in {elapsed:.1f} s")
    assert not leaks, f"seed {seed}: exceptions other than ConditionError: {leaks[:5]}"
    assert not slow, f"seed {seed}: conditions over budget (ms of CPU): {sorted(slow)[-5:]}"
