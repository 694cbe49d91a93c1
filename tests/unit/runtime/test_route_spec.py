"""The traffic worker reads a step's route once, into the step's model, for every router."""

from __future__ import annotations

import pytest

from adapters.workers.traffic import route_spec
from rollouts.ports import PortError
from rollouts.spec.steps import SetHeaderRoute, SetMirrorRoute


def test_a_header_route_becomes_the_step_model() -> None:
    body = {"name": "beta", "match": [{"headerName": "X-Beta", "headerValue": {"exact": "yes"}}]}
    route = route_spec("header", body)
    assert isinstance(route, SetHeaderRoute)
    assert route.match[0].header_name == "X-Beta"
    assert route.match[0].header_value is not None
    assert route.match[0].header_value.chosen == ("exact", "yes")


def test_a_mirror_route_keeps_its_percentage() -> None:
    route = route_spec(
        "mirror", {"name": "shadow", "match": [{"path": {"prefix": "/"}}], "percentage": 5}
    )
    assert isinstance(route, SetMirrorRoute) and route.percentage == 5


def test_no_body_removes_the_route() -> None:
    assert route_spec("header", None) is None


@pytest.mark.parametrize(
    ("kind", "body", "where"),
    [
        ("header", {"name": "beta", "match": [{"headerValue": {"exact": "y"}}]}, "headerName"),
        ("mirror", {"name": "shadow", "match": "all"}, "match"),
        ("mirror", {"name": "shadow", "percentage": "half"}, "percentage"),
    ],
)
def test_a_malformed_route_is_a_port_error_naming_the_field(
    kind: str, body: dict[str, object], where: str
) -> None:
    with pytest.raises(PortError, match=where) as raised:
        route_spec(kind, body)
    assert str(body["name"]) in str(raised.value)
