"""Facts of the published contract shared by the JSON Schemas and the AsyncAPI document.

Importing this module imports every model module, so the type registries are complete.
"""

from __future__ import annotations

import inspect
from typing import Any

from pydantic import BaseModel

import events.inputs
import events.models
from events.subjects import EVENT_PREFIX, INPUT_PREFIX

MODEL_MODULES = (events.models, events.inputs)

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
EVENT_SUBJECT = EVENT_PREFIX + ".{namespace}.{name}.{type}"
INPUT_SUBJECT = INPUT_PREFIX + ".{namespace}.{name}"
ATTRIBUTES: dict[str, tuple[dict[str, Any], str]] = {
    "specversion": ({"const": "1.0"}, "CloudEvents version."),
    "id": ({"type": "string"}, "Event id (a UUID derived from the decision); dedup key."),
    "source": ({"type": "string"}, "Writer of the event, /rollouts-controller."),
    "type": ({"type": "string"}, "Event type: the payload model's name."),
    "subject": ({"type": "string"}, "<namespace>/<name> of the rollout."),
    "time": ({"type": "string", "format": "date-time"}, "Decision time (UTC)."),
    "datacontenttype": ({"const": "application/json"}, "Always JSON."),
    "rolloutsequence": (
        {"type": "integer", "minimum": 1},
        "1-based position of the event in its rollout's history.",
    ),
    "causationid": ({"type": "string"}, "Id of the input the decision was taken on."),
    "dataschemaversion": (
        {"type": "integer", "minimum": 1},
        "Schema version of the payload's model that wrote `data`.",
    ),
}


def summary(cls: type[BaseModel]) -> str:
    """The first paragraph of a model's docstring, on one line ("" when it has none)."""
    doc = inspect.getdoc(cls) if "__doc__" in vars(cls) and cls.__doc__ else ""
    return " ".join((doc or "").split("\n\n")[0].split())
