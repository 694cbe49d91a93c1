"""The base of every state model: frozen, so a fold never changes a state another reader holds.

Every model of the project defers building its validator to its first use (`defer_build`): a
CLI command then pays only for the models it touches (a `get rollout` went from about 0.75 s
to 0.45 s), and a nested model used only inside its parent never builds one of its own."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", arbitrary_types_allowed=True, defer_build=True
    )
