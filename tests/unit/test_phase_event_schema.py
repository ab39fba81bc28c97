"""docs/events/instance-phase-changed.schema.json: current, and true of the phase events the layer
builds (docs/contract.md, "Host agents", phase events)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from devtools.event_schema import PHASE_SCHEMA_PATH, build_phase, render
from instance_api.domain.hosts import Report
from instance_api.domain.phases import PHASE_CHANGED, PhaseHead, settle

SCHEMA = json.loads(PHASE_SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
CREATED_AT = "2026-01-05T09:30:00.000Z"
INSTANCE = {
    "name": "web-1",
    "namespace": "team-a",
    "spec": {"image": "registry.example.com/team/web:1.4.2"},
    "shareStorage": False,
    "hostIDs": ["host-a", "host-b"],
    "labels": {},
    "version": 2,
    "createdAt": CREATED_AT,
    "updatedAt": "2026-01-05T09:40:00.000Z",
}
DETAIL = {
    "name": "web-1",
    "namespace": "team-a",
    "version": 2,
    "phase": "Ready",
    "previousPhase": "Progressing",
    "desired": 2,
    "ready": 2,
    "changedAt": "2026-01-05T09:41:00.000Z",
}


def running(host_id: str, version: int = 2, state: Any = "Running") -> Report:
    return Report(host_id, state, version, None, "2026-01-05T09:41:00.000Z", CREATED_AT)


def test_given_the_committed_phase_schema_when_regenerating_it_then_nothing_changes() -> None:
    assert PHASE_SCHEMA_PATH.read_text(encoding="utf-8") == render(build_phase()), "stale: run `make openapi`"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize(
    ("instance", "reports", "head"),
    [
        (INSTANCE, {}, None),
        (INSTANCE | {"hostIDs": []}, {}, None),
        (INSTANCE, {"host-a": running("host-a"), "host-b": running("host-b")}, PhaseHead(CREATED_AT, 2, "Progressing")),
        (INSTANCE, {"host-a": running("host-a", state="Failed")}, PhaseHead(CREATED_AT, 2, "Progressing")),
        (INSTANCE, {"host-a": running("host-a"), "host-b": running("host-b")}, PhaseHead(CREATED_AT, 1, "Ready")),
    ],
    ids=["created", "created with no hosts", "rolled out", "failed", "rolled out before the consumer looked"],
)
def test_given_a_phase_change_the_layer_publishes_when_validating_its_detail_then_the_schema_accepts_it(
    instance: Any, reports: dict[str, Report], head: PhaseHead | None
) -> None:
    _, events = settle(instance, reports, head)
    assert events, "each case changes the phase"
    for event in events:
        assert event.detail_type == PHASE_CHANGED
        VALIDATOR.validate(event.detail)


@pytest.mark.parametrize(
    "broken",
    [
        {"phase": "Unknown"},
        {"previousPhase": "Running"},
        {"version": 0},
        {"desired": -1},
        {"ready": 1.5},
        {"changedAt": "2026-01-05T09:41:00Z"},
        {"namespace": "Team_A"},
        {"extra": 1},
    ],
)
def test_given_a_detail_that_breaks_the_contract_when_validating_it_then_the_schema_refuses_it(
    broken: dict[str, Any],
) -> None:
    assert VALIDATOR.is_valid(DETAIL)
    assert VALIDATOR.is_valid(DETAIL | {"previousPhase": None}), "an instance's first phase event"
    assert not VALIDATOR.is_valid(DETAIL | broken)


@pytest.mark.parametrize("field", list(DETAIL))
def test_given_a_detail_without_a_field_when_validating_it_then_the_schema_refuses_it(field: str) -> None:
    assert not VALIDATOR.is_valid({key: value for key, value in DETAIL.items() if key != field})
