"""A body over 64 KiB is 413 PayloadTooLarge on every method and path, whatever else is wrong
with it: size is the first check a body gets (docs/contract.md; decision 2, cheapest first)."""

from __future__ import annotations

import json

import pytest

from instance_api.http.body import MAX_BODY_BYTES
from tests.handlers.conftest import Invoke
from tests.support import api_event, assert_envelope

JUST_OVER = json.dumps({"name": "web-1", "pad": "x" * MAX_BODY_BYTES})
# (method, query, the function API Gateway routes it to, the envelope's message)
ROUTED = [
    ("GET", {"name": "web-1"}, "GetInstanceFunction", "get failed"),
    ("GET", None, "GetInstanceFunction", "list failed"),
    ("DELETE", {"name": "web-1"}, "DeleteInstanceFunction", "delete failed"),
    ("POST", None, "CreateInstanceFunction", "create failed"),
    ("PUT", None, "UpdateInstanceFunction", "update failed"),
    ("PATCH", None, "RouteFallbackFunction", "request failed"),
    ("HEAD", None, "RouteFallbackFunction", "request failed"),
    ("OPTIONS", None, "RouteFallbackFunction", "request failed"),
]


@pytest.mark.parametrize("namespace", [None, "team-a"], ids=["seed-path", "namespaced-path"])
@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
@pytest.mark.parametrize(("method", "query", "function", "message"), ROUTED)
def test_given_a_body_over_64_kib_when_sending_any_method_then_413_before_any_other_check(
    invoke: Invoke,
    method: str,
    query: dict[str, str | list[str]] | None,
    function: str,
    message: str,
    namespace: str | None,
    content_type: str,
) -> None:
    event = api_event(method, body=JUST_OVER, query=query, headers={"Content-Type": content_type}, namespace=namespace)
    response = invoke(function, event)
    assert_envelope(response, 413, message)
    assert response.reason == "PayloadTooLarge"


@pytest.mark.parametrize(
    ("method", "function", "status"), [("GET", "GetInstanceFunction", 400), ("PATCH", "RouteFallbackFunction", 405)]
)
def test_given_a_body_of_exactly_64_kib_where_none_is_taken_when_sending_it_then_the_usual_answer_not_413(
    invoke: Invoke, method: str, function: str, status: int
) -> None:
    body = json.dumps({"name": "web-1", "pad": ""})
    body = body.replace('""', '"' + "x" * (MAX_BODY_BYTES - len(body)) + '"')
    assert len(body.encode()) == MAX_BODY_BYTES
    response = invoke(function, api_event(method, body=body, query={"name": "web-1"} if method == "GET" else None))
    assert response.status == status
