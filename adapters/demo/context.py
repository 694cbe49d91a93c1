"""Everything a scenario stage needs, in one place, plus the two things every stage does:
send a command (refusals and unexpected outcomes become failures) and wait with a deadline."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from adapters.analysis.templates import TemplateStore
from adapters.demo.display import Display
from adapters.demo.predicates import Expectation
from adapters.demo.split import TrafficWindow
from adapters.demo.timings import DemoTimings
from adapters.demo.waiting import ScenarioFailed
from adapters.demo.watch import RolloutWatch
from adapters.local import LoadGenerator, LocalPlatform
from adapters.runtime.client import RolloutsClient
from events.base import Command
from events.phases import RolloutPhase
from rollouts.errors import DomainError
from rollouts.ports import RolloutRef
from rollouts.state import RolloutState


@dataclass
class StageRecord:
    """One stage's span on the stream (for the phase checks) and in time (for the summary)."""

    label: str
    first_sequence: int
    last_sequence: int = 0
    seconds: float = 0.0
    phases: list[RolloutPhase] = field(default_factory=list)


@dataclass
class Demo:
    ref: RolloutRef
    actor: str
    timings: DemoTimings
    platform: LocalPlatform
    client: RolloutsClient
    watch: RolloutWatch
    load: LoadGenerator
    window: TrafficWindow
    display: Display
    started: datetime
    templates: TemplateStore
    stages: dict[str, StageRecord] = field(default_factory=dict)
    measurements: dict[str, float] = field(default_factory=dict)
    """Named durations in seconds (abort latency, ...), printed in the summary."""

    @property
    def state(self) -> RolloutState:
        return self.watch.state

    async def send(self, command: Command, what: str) -> int:
        """Send `command`; returns the stream version its events reached.

        Checked locally first, as the CLI does, so a refusal says why without a round trip.
        """
        try:
            self.client.precheck(self.state, command)
        except DomainError as error:
            raise ScenarioFailed(what, "the command to be accepted", f"refused: {error}") from None
        outcome = await self.client.send(self.ref.namespace, self.ref.name, command)
        if outcome.status != "accepted":
            seen = f"{outcome.status}: {outcome.message or 'no message'}"
            raise ScenarioFailed(what, "the command to be accepted", seen)
        self.display.note(f"{what}: accepted ({outcome.events} events)")
        return outcome.version

    async def wait(self, expectation: Expectation, *, what: str, after: int = 0) -> RolloutState:
        return await self.watch.until(
            expectation.reached,
            what=what,
            expected=expectation.description,
            timeout=self.timings.wait_timeout,
            after=after,
            off_course=expectation.off_course,
        )

    def begin(self, key: str, label: str, title: str) -> StageRecord:
        """Start a stage: `label` names it in the summary, `title` heads its output."""
        self.display.stage(title)
        record = StageRecord(label, first_sequence=self.watch.last_sequence)
        record.seconds = -asyncio.get_running_loop().time()
        self.stages[key] = record
        return record

    def end(self, record: StageRecord) -> None:
        record.seconds += asyncio.get_running_loop().time()
        record.last_sequence = self.watch.last_sequence
        record.phases = [
            phase
            for sequence, phase in self.watch.phases
            if record.first_sequence < sequence <= record.last_sequence
        ]
