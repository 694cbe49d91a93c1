"""`rollouts events` table: every header starts exactly where its column's data starts."""

from __future__ import annotations

import asyncio

from adapters.cli.event_log import table_header, table_row
from tests.unit.cli import scenarios
from tests.unit.cli.fakes import FakeClient


def test_header_columns_line_up_with_every_row() -> None:
    sim = scenarios.canary_aborted()
    client = FakeClient().seed(sim)
    history = asyncio.run(client.store.load(sim.namespace, sim.name))
    header = table_header()
    starts = {column: header.index(column) for column in ("TIME", "TYPE", "SUMMARY")}
    rows = [table_row(stored) for stored in history]
    assert rows
    for row, stored in zip(rows, history, strict=True):
        assert row[starts["TIME"] - 2 : starts["TIME"]] == "  ", row
        assert row[starts["TIME"] :].startswith(stored.envelope.time.strftime("%Y-%m-%dT"))
        assert row[starts["TYPE"] :].startswith(stored.envelope.type + " "), row
        assert row[starts["TYPE"] - 2 : starts["TYPE"]] == "  ", row
        assert row[starts["SUMMARY"] - 2 : starts["SUMMARY"]] == "  ", row
        assert row[starts["SUMMARY"]] != " ", row
    rewound = next(row for row in rows if "StepsRewound" in row)
    assert "rewound to step 1" in rewound
