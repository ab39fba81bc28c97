"""events/: one API Gateway REST proxy event per operation and path, routed by the template and
answered, and a stream batch for the change consumer (tests/handlers/test_publish_changes.py feeds it)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from devtools.events import EVENTS, load_event
from tests.handlers.conftest import TEMPLATE, Invoke
from tests.support import assert_envelope

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

ROUTES = {(route.method, route.path): route.function.logical_id for route in TEMPLATE.routes()}
OPERATIONS = ["create", "get", "list", "update", "delete"]
NAMESPACED = [f"namespaced-{operation}" for operation in OPERATIONS]
HOST_AGENT = ["host-view", "host-status"]


def test_given_the_events_folder_when_listing_it_then_one_event_per_operation_and_path_and_a_stream_batch() -> None:
    assert sorted(path.stem for path in EVENTS.glob("*.json")) == sorted(
        [*OPERATIONS, *NAMESPACED, "dry-run-update", *HOST_AGENT, "stream"]
    )


@pytest.mark.parametrize("operation", [*OPERATIONS, *NAMESPACED, "dry-run-update", *HOST_AGENT])
def test_given_each_event_when_reading_it_then_it_is_what_api_gateway_sends_for_a_template_route(
    operation: str,
) -> None:
    event = load_event(operation)
    assert (event["httpMethod"], event["resource"]) in ROUTES
    assert event["resource"] == event["requestContext"]["resourcePath"]
    parameters = event["pathParameters"] or {}
    assert event["path"] == event["resource"].format(**parameters), "the parameters are the path's own segments"
    assert event["requestContext"]["path"] == f"/{TEMPLATE.stage_name()}{event['path']}"
    assert event["requestContext"]["stage"] == TEMPLATE.stage_name()
    assert event["isBase64Encoded"] is False
    if event["body"] is not None:
        json.loads(event["body"])
        assert event["headers"]["Content-Type"] == "application/json"


@pytest.mark.parametrize("operation", NAMESPACED)
def test_given_a_namespaced_event_when_reading_it_then_only_its_path_names_the_namespace(operation: str) -> None:
    event = load_event(operation)
    assert event["pathParameters"] == {"namespace": "team-a"}
    assert "namespace" not in (event["queryStringParameters"] or {})
    assert "namespace" not in json.loads(event["body"] or "{}")


def invoke_in_order(invoke: Invoke, prefix: str = "") -> None:
    """create, get, list, update, delete: each succeeds; then the get is 404."""
    for operation in OPERATIONS:
        event = load_event(prefix + operation)
        response = invoke(ROUTES[(event["httpMethod"], event["resource"])], event)
        assert_envelope(response, 200, f"{operation} succeed")
        assert response.headers["content-type"] == "application/json"
    assert invoke("GetInstanceFunction", load_event(prefix + "get")).status == 404


def test_given_the_events_in_order_when_invoking_their_functions_then_each_operation_succeeds(invoke: Invoke) -> None:
    invoke_in_order(invoke)


def test_given_the_namespaced_events_in_order_when_invoking_their_functions_then_each_operation_succeeds(
    invoke: Invoke,
) -> None:
    invoke_in_order(invoke, "namespaced-")


def test_given_the_dry_run_event_after_a_create_when_invoking_it_then_it_answers_the_update_and_writes_nothing(
    invoke: Invoke, dynamodb: DynamoDBClient
) -> None:
    invoke("CreateInstanceFunction", load_event("create"))
    table = TEMPLATE.table("InstancesTable").name
    before = dynamodb.scan(TableName=table)["Items"]
    response = invoke("UpdateInstanceFunction", load_event("dry-run-update"))
    assert_envelope(response, 200, "update succeed")
    assert response.headers["dry-run"] == "true"
    assert (response.data["labels"], response.data["version"]) == ({"app": "web"}, 2)
    assert dynamodb.scan(TableName=table)["Items"] == before


def test_given_the_host_agent_events_after_a_create_when_invoking_their_functions_then_the_view_and_report_succeed(
    invoke: Invoke,
) -> None:
    created = invoke("CreateInstanceFunction", load_event("create")).data
    view = invoke("GetHostViewFunction", load_event("host-view"))
    assert_envelope(view, 200, "list succeed")
    assert view.headers["etag"].startswith('"')
    report = invoke("ReportHostStatusFunction", load_event("host-status"))
    assert_envelope(report, 200, "report succeed")
    assert {key: report.data[key] for key in created} == created, "a report changes nothing of the instance"
    status = report.data["status"]
    host_a, host_b = status["hosts"]
    assert (host_a["hostID"], host_a["state"], host_a["observedVersion"], host_a["message"]) == (
        "host-a",
        "Running",
        1,
        None,
    )
    assert (host_b["hostID"], host_b["state"]) == ("host-b", "Unknown")
    assert (status["phase"], status["desired"], status["ready"]) == ("Progressing", 2, 1)
