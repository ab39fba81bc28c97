"""Helpers shared by the test tiers: API Gateway events, response decoding, the envelope."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import pytest

from devtools.dynamodb_local import dynamodb_local_unavailable
from devtools.events import load_event
from devtools.template import ROOT
from instance_api.http.routes import HOST_STATUS_PATH, HOST_VIEW_PATH, INSTANCE_PATH, NAMESPACED_INSTANCE_PATH

# Each DynamoDB engine a tier runs on, by its session fixture (tests/conftest.py).
ENGINES = [
    pytest.param("embedded_dynamodb", id="embedded"),
    pytest.param("dynamodb_local", id="dynamodb_local", marks=pytest.mark.dynamodb_local),
]


def marked(document: str, marker: str) -> str:
    """What a page of the docs holds between `<!-- marker:start -->` and `<!-- marker:end -->`
    (`document` relative to the repository, e.g. "README.md", "docs/errors.md"): the examples
    the tests run or check, wherever they are shown."""
    text = (ROOT / document).read_text(encoding="utf-8")
    return text.split(f"<!-- {marker}:start -->", 1)[1].split(f"<!-- {marker}:end -->", 1)[0]


def require(tier: str, problem: str | None, required_by: str) -> None:
    """Skip the calling test when `problem` says what `tier` needs is missing here; fail instead
    when the environment variable `required_by` is 1, as CI sets it, so CI never skips silently."""
    if problem is not None:
        if os.environ.get(required_by) == "1":
            pytest.fail(f"{tier} is required here ({required_by}=1) but {problem}")
        pytest.skip(f"{tier} tier skipped: {problem}")


def require_dynamodb_local() -> None:
    """Skip the calling test when DynamoDB Local cannot run here; fail instead in CI."""
    require("DynamoDB Local", dynamodb_local_unavailable(), "REQUIRE_DYNAMODB_LOCAL")


def api_event(
    method: str,
    *,
    body: str | dict[str, Any] | None = None,
    query: dict[str, str | list[str]] | None = None,
    headers: dict[str, str] | None = None,
    path: str = INSTANCE_PATH,
    resource: str | None = None,
    user_arn: str | None = None,
    namespace: str | None = None,
) -> dict[str, Any]:
    """An API Gateway REST proxy event shaped like events/get.json, for `method` and `body`.

    `resource` is the route that matched (`/{proxy+}` say); by default the path itself.
    `namespace` sends it on the namespaced path, with the pathParameters API Gateway adds.
    """
    event = load_event("get")
    if namespace is not None:
        path, resource = NAMESPACED_INSTANCE_PATH.replace("{namespace}", namespace), NAMESPACED_INSTANCE_PATH
        event["pathParameters"] = {"namespace": namespace}
    event["httpMethod"] = method
    event["path"] = path
    event["resource"] = event["requestContext"]["resourcePath"] = resource or path
    event["requestContext"]["httpMethod"] = method
    event["requestContext"]["requestId"] = "test-request-id"
    event["requestContext"]["identity"]["userArn"] = user_arn
    if isinstance(body, dict):
        body = json.dumps(body)
    event["body"] = body
    all_headers = {"Accept": "application/json", "Host": "localhost"}
    if body is not None:
        all_headers["Content-Type"] = "application/json"
    all_headers.update(headers or {})
    event["headers"] = all_headers
    event["multiValueHeaders"] = {key: [value] for key, value in all_headers.items()}
    if query:
        multi = {key: value if isinstance(value, list) else [value] for key, value in query.items()}
        event["multiValueQueryStringParameters"] = multi
        event["queryStringParameters"] = {key: values[-1] for key, values in multi.items()}
    else:
        event["multiValueQueryStringParameters"] = None
        event["queryStringParameters"] = None
    return event


def host_event(
    method: str,
    host: str,
    *,
    status: bool = False,
    body: str | dict[str, Any] | None = None,
    query: dict[str, str | list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway event on a host's view (or, with `status`, its status report) for `host`."""
    resource = HOST_STATUS_PATH if status else HOST_VIEW_PATH
    event = api_event(method, body=body, query=query, headers=headers, resource=resource)
    event["path"] = resource.replace("{hostID}", host)
    event["pathParameters"] = {"hostID": host}
    return event


@dataclass(frozen=True)
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def data(self) -> Any:
        return self.body["data"]

    @property
    def reason(self) -> str:
        return str(self.body["data"]["reason"])

    @property
    def fields(self) -> list[str]:
        return [detail["field"] for detail in self.body["data"].get("details", [])]


def decode_proxy_response(raw: dict[str, Any]) -> ApiResponse:
    headers = {key.lower(): str(value) for key, value in (raw.get("headers") or {}).items()}
    for key, values in (raw.get("multiValueHeaders") or {}).items():
        headers[key.lower()] = ", ".join(values)
    return ApiResponse(raw["statusCode"], headers, json.loads(raw["body"]) if raw.get("body") else {})


def assert_envelope(response: ApiResponse, status: int, message: str) -> None:
    """The envelope (docs/contract.md): code equals the status, "<op> succeed|failed", JSON content type."""
    assert response.status == status, response.body
    assert response.body["code"] == status
    assert response.body["message"] == message
    assert response.headers["content-type"] == "application/json"
    if status >= 400:
        assert set(response.body["data"]) >= {"error", "reason", "requestId"}
