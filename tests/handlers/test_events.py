"""events/: one API Gateway REST proxy event per operation, routed by the template and answered."""

from __future__ import annotations

import json

import pytest

from devtools.events import EVENTS, load_event
from tests.handlers.conftest import TEMPLATE, Invoke
from tests.support import assert_envelope

ROUTES = {(route.method, route.path): route.function.logical_id for route in TEMPLATE.routes()}
OPERATIONS = ["create", "get", "list", "update", "delete"]


def test_given_the_events_folder_when_listing_it_then_there_is_one_event_per_operation() -> None:
    assert sorted(path.stem for path in EVENTS.glob("*.json")) == sorted(OPERATIONS)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_given_each_event_when_reading_it_then_it_is_what_api_gateway_sends_for_a_template_route(
    operation: str,
) -> None:
    event = load_event(operation)
    assert (event["httpMethod"], event["resource"]) in ROUTES
    assert event["path"] == event["resource"] == event["requestContext"]["resourcePath"]
    assert event["requestContext"]["stage"] == TEMPLATE.stage_name()
    assert event["isBase64Encoded"] is False
    assert event["pathParameters"] is None
    if event["body"] is not None:
        json.loads(event["body"])
        assert event["headers"]["Content-Type"] == "application/json"


def test_given_the_events_in_order_when_invoking_their_functions_then_each_operation_succeeds(invoke: Invoke) -> None:
    for operation in OPERATIONS:
        event = load_event(operation)
        response = invoke(ROUTES[(event["httpMethod"], event["resource"])], event)
        assert_envelope(response, 200, f"{operation} succeed")
        assert response.headers["content-type"] == "application/json"
    assert invoke("GetInstanceFunction", load_event("get")).status == 404
