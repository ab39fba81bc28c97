"""The route fallback: any method or path the API does not route, answered in the envelope."""

from __future__ import annotations

from tests.handlers.conftest import Invoke
from tests.support import api_event, assert_envelope

FALLBACK = "RouteFallbackFunction"


def test_given_an_unrouted_method_on_the_instance_path_when_sent_then_405_with_allow(invoke: Invoke) -> None:
    response = invoke(FALLBACK, api_event("PATCH", body={"name": "a"}))
    assert_envelope(response, 405, "request failed")
    assert response.reason == "MethodNotAllowed"
    assert response.headers["allow"] == "DELETE, GET, POST, PUT"
    assert response.data["error"] == "method PATCH is not allowed on /api/v1/instance; allowed: DELETE, GET, POST, PUT"


def test_given_an_unknown_path_when_sent_then_404(invoke: Invoke) -> None:
    response = invoke(FALLBACK, api_event("GET", path="/api/v2/instance", resource="/{proxy+}"))
    assert_envelope(response, 404, "request failed")
    assert response.data["error"] == "no route for /api/v2/instance"


def test_given_the_root_path_when_sent_then_404(invoke: Invoke) -> None:
    response = invoke(FALLBACK, api_event("GET", path="/"))
    assert_envelope(response, 404, "request failed")
    assert response.reason == "NotFound"
