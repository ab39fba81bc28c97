"""What operators see: one metric per outcome in namespace InstanceAPI, and no bodies in logs."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest

from instance_api.domain.service import InstanceService
from tests.handlers.conftest import Api
from tests.handlers.test_errors import client_error, fail_dynamodb
from tests.support import ApiResponse


def emitted_metrics(output: str) -> list[tuple[str, dict[str, str]]]:
    """(metric name, dimensions) for each metric in the EMF lines Powertools printed."""
    found = []
    for line in output.splitlines():
        if '"_aws"' not in line:
            continue
        document: dict[str, Any] = json.loads(line)
        (directive,) = document["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "InstanceAPI"
        dimensions = {name: document[name] for name in directive["Dimensions"][0]}
        found += [(metric["Name"], dimensions) for metric in directive["Metrics"]]
    return found


def outcome_of(capsys: pytest.CaptureFixture[str], call: Callable[[], ApiResponse]) -> tuple[str, str]:
    capsys.readouterr()
    call()
    metrics = [(name, dims) for name, dims in emitted_metrics(capsys.readouterr().out) if name != "ColdStart"]
    (only,) = metrics
    name, dimensions = only
    return name, dimensions["operation"]


def test_given_each_success_when_answered_then_its_operation_s_metric_is_recorded(
    api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    assert outcome_of(capsys, lambda: api.create({"name": "m"})) == ("InstanceCreated", "create")
    assert outcome_of(capsys, lambda: api.update({"name": "m", "shareStorage": True})) == ("InstanceUpdated", "update")
    assert outcome_of(capsys, lambda: api.get("m")) == ("InstanceRead", "get")
    assert outcome_of(capsys, lambda: api.list()) == ("InstancesListed", "list")
    assert outcome_of(capsys, lambda: api.delete({"name": "m"})) == ("InstanceDeleted", "delete")


def test_given_each_failure_when_answered_then_its_outcome_metric_is_recorded(
    api: Api, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    api.create({"name": "m"})
    assert outcome_of(capsys, lambda: api.create({"name": "m"})) == ("Conflict", "create")
    assert outcome_of(capsys, lambda: api.get("ghost")) == ("NotFound", "get")
    assert outcome_of(capsys, lambda: api.update({"name": "m"})) == ("Invalid", "update")
    fail_dynamodb(monkeypatch, "UpdateItem", client_error("ThrottlingException", "UpdateItem"))
    assert outcome_of(capsys, lambda: api.delete({"name": "m"})) == ("Throttled", "delete")
    monkeypatch.setattr(InstanceService, "list", lambda self, query: 1 / 0)
    assert outcome_of(capsys, lambda: api.list()) == ("Error", "list")


def test_given_a_request_at_info_level_when_it_is_served_then_its_body_is_not_in_the_logs(
    api: Api, logs: io.StringIO
) -> None:
    marker = "host-body-marker-7f3a"
    assert api.create({"name": "logged", "hostIDs": [marker]}).status == 200
    assert api.get("logged").status == 200
    assert marker not in logs.getvalue()
