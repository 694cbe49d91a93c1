"""The traffic split as the users of the demo app see it, measured from real answers.

The load generator only keeps running totals per (version, status). Sampling those totals a few
times a second and subtracting the sample from about a second ago gives the recent split: what
the proxy is doing now, not the average since the start. When the router's weights change the
window starts again, so the split shown is always measured at the weights shown next to it
(a second-long window alone lagged them: 20% applied next to a split still all v1).
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field

from adapters.local.load import LoadGenerator

WINDOW_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class TrafficSplit:
    answers: Counter[str] = field(default_factory=Counter)
    """Answers per version (image tag) in the window; `-` for no answer or the proxy's own."""
    errors: int = 0
    """Answers in the window that were not a 2xx."""

    @property
    def total(self) -> int:
        return sum(self.answers.values())

    def share(self, version: str) -> float:
        """Percent of the window's answers that came from `version`."""
        return 100.0 * self.answers[version] / self.total if self.total else 0.0

    @property
    def error_rate(self) -> float:
        return 100.0 * self.errors / self.total if self.total else 0.0

    @property
    def versions(self) -> list[str]:
        return sorted(version for version in self.answers if self.answers[version])

    def describe(self) -> str:
        if not self.total:
            return "no answers yet"
        parts = [f"{version} {self.share(version):.0f}%" for version in self.versions]
        return f"{' / '.join(parts)}, errors {self.error_rate:.1f}% ({self.total} answers)"


def short_version(version: str) -> str:
    """`demo:v2` -> `v2`: the local pods answer with their image, the demo speaks in tags."""
    return version.rsplit(":", 1)[-1]


class TrafficWindow:
    def __init__(self, load: LoadGenerator, seconds: float = WINDOW_SECONDS) -> None:
        self._load = load
        self._seconds = seconds
        self._samples: deque[tuple[float, Counter[tuple[str, int]]]] = deque()

    def sample(self, now: float) -> None:
        self._samples.append((now, Counter(self._load.counts)))
        while len(self._samples) > 2 and self._samples[1][0] <= now - self._seconds:
            self._samples.popleft()

    def restart(self, now: float) -> None:
        """Forget the answers before `now`: the weights changed, older answers say nothing
        about the new ones."""
        self._samples.clear()
        self.sample(now)

    def span(self) -> float:
        """Seconds the current window covers."""
        if len(self._samples) < 2:
            return 0.0
        return self._samples[-1][0] - self._samples[0][0]

    def recent(self) -> TrafficSplit:
        if len(self._samples) < 2:
            return TrafficSplit()
        delta = self._samples[-1][1] - self._samples[0][1]
        answers: Counter[str] = Counter()
        errors = 0
        for (version, status), count in delta.items():
            answers[short_version(version)] += count
            if not 200 <= status < 300:
                errors += count
        return TrafficSplit(answers, errors)


def answers_from(load: LoadGenerator, version: str) -> int:
    """Answers from `version` (a tag) since the load started."""
    return sum(n for name, n in load.by_version().items() if short_version(name) == version)
