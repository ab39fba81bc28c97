"""The route fallback: any method or path the API does not route, answered in the envelope."""

from __future__ import annotations

import pytest

from instance_api.http.routes import NAMESPACED_INSTANCE_PATH
from tests.handlers.conftest import Invoke
from tests.support import api_event, assert_envelope

FALLBACK = "RouteFallbackFunction"


def test_given_an_unrouted_method_on_the_instance_path_when_sent_then_405_with_allow(invoke: Invoke) -> None:
    response = invoke(FALLBACK, api_event("PATCH", body={"name": "a"}))
    assert_envelope(response, 405, "request failed")
    assert response.reason == "MethodNotAllowed"
    assert response.headers["allow"] == "DELETE, GET, POST, PUT"
    assert response.data["error"] == "method PATCH is not allowed on /api/v1/instance; allowed: DELETE, GET, POST, PUT"


@pytest.mark.parametrize("method", ["PATCH", "HEAD", "OPTIONS"])
def test_given_an_unrouted_method_on_a_namespace_s_path_when_sent_then_405_naming_the_route_not_the_namespace(
    invoke: Invoke, method: str
) -> None:
    event = api_event(method, path="/api/v1/namespaces/team-a/instance", resource=NAMESPACED_INSTANCE_PATH)
    event["pathParameters"] = {"namespace": "team-a"}
    response = invoke(FALLBACK, event)
    assert_envelope(response, 405, "request failed")
    assert response.headers["allow"] == "DELETE, GET, POST, PUT"
    assert response.data["error"] == (
        f"method {method} is not allowed on /api/v1/namespaces/{{namespace}}/instance; allowed: DELETE, GET, POST, PUT"
    )


def test_given_a_path_below_a_namespace_s_instances_when_sent_then_404(invoke: Invoke) -> None:
    path = "/api/v1/namespaces/team-a/instance/web-1"
    response = invoke(FALLBACK, api_event("GET", path=path, resource="/{proxy+}"))
    assert_envelope(response, 404, "request failed")
    assert response.data["error"] == f"no route for {path}"


def test_given_an_unknown_path_when_sent_then_404(invoke: Invoke) -> None:
    response = invoke(FALLBACK, api_event("GET", path="/api/v2/instance", resource="/{proxy+}"))
    assert_envelope(response, 404, "request failed")
    assert response.data["error"] == "no route for /api/v2/instance"


def test_given_the_root_path_when_sent_then_404(invoke: Invoke) -> None:
    response = invoke(FALLBACK, api_event("GET", path="/"))
    assert_envelope(response, 404, "request failed")
    assert response.reason == "NotFound"
