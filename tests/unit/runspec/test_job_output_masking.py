"""The Job provider's output is masked, then cut (issue 17, small leaks).

The output used to be cut to its last 500 characters first: a secret straddling the cut lost
its beginning, no longer matched, and its end (`-XYZZY`) reached the MeasurementTaken input.
"""

from __future__ import annotations

import sys
from typing import Any

from adapters.analysis.job import OUTPUT_TAIL, LocalJobProvider, cut_output
from adapters.analysis.measure import MeasurementRunner
from adapters.analysis.secrets import InMemorySecretStore
from tests.unit.runspec.fakes import TickingClock

SECRET = "s3cr3t-XYZZY"
SECRET_ARGS = {"token": {"name": "creds", "key": "token"}}


def printing_job(after_secret: int) -> dict[str, Any]:
    """A Job whose output is 1,000 `a`, the secret, then `after_secret` characters."""
    code = "import sys; sys.stdout.write('a' * 1000 + sys.argv[1] + 'b' * int(sys.argv[2]))"
    container = {
        "name": "check",
        "image": "ignored",
        "command": [sys.executable, "-c", code, "{{args.token}}", str(after_secret)],
    }
    return {
        "name": "smoke",
        "provider": {"job": {"spec": {"template": {"spec": {"containers": [container]}}}}},
    }


async def test_a_secret_straddling_the_cut_leaves_no_fragment() -> None:
    secrets = InMemorySecretStore({("shop", "creds"): {"token": SECRET}})
    runner = MeasurementRunner(secrets, LocalJobProvider(), TickingClock())
    # 494 characters after the secret: the last 500 hold its last six, "-XYZZY".
    taken = await runner.take("shop", printing_job(OUTPUT_TAIL - 6), SECRET_ARGS)
    output = taken.metadata["output"]
    assert taken.value == "Complete" and len(output) == OUTPUT_TAIL
    assert output.endswith("b" * (OUTPUT_TAIL - 6))
    fragments = {SECRET[i:j] for i in range(len(SECRET)) for j in range(i + 4, len(SECRET) + 1)}
    assert not [fragment for fragment in fragments if fragment in output], output[:20]


async def test_the_provider_alone_keeps_more_than_the_tail_for_the_runner_to_mask() -> None:
    block = printing_job(10)["provider"]
    block["job"]["spec"]["template"]["spec"]["containers"][0]["command"][3] = SECRET
    measurement = await LocalJobProvider().measure(block, TickingClock().now())
    assert SECRET in measurement.metadata["output"]  # whole, so the runner can recognise it
    assert len(cut_output(dict(measurement.metadata))["output"]) == OUTPUT_TAIL
