"""Helpers shared by the test tiers: events, a Lambda context, response decoding."""

from __future__ import annotations

import copy
import importlib.util
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from devtools.template import ROOT, FunctionSpec

EVENTS = ROOT / "events"
SEED = EVENTS / "seed"
INSTANCE_PATH = "/api/v1/instance"


@cache
def _event_file(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return event


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of events/<name>.json."""
    return copy.deepcopy(_event_file(name))


def seed_body(name: str) -> str:
    """The seed note's request body, verbatim (events/seed/<name>.json)."""
    return (SEED / f"{name}.json").read_text(encoding="utf-8")


def api_event(
    method: str,
    *,
    body: str | dict[str, Any] | None = None,
    query: dict[str, str | list[str]] | None = None,
    headers: dict[str, str] | None = None,
    path: str = INSTANCE_PATH,
    resource: str | None = None,
    user_arn: str | None = None,
) -> dict[str, Any]:
    """An API Gateway REST proxy event shaped like events/get.json, for `method` and `body`.

    `resource` is the route that matched (`/{proxy+}` say); by default the path itself.
    """
    event = load_event("get")
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


class LambdaContext:
    def __init__(self, function_name: str = "TestFunction", remaining_ms: int = 10_000) -> None:
        self._remaining_ms = remaining_ms
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 256
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:000000000000:function:{function_name}"
        self.aws_request_id = "lambda-request-id"

    def get_remaining_time_in_millis(self) -> int:
        return self._remaining_ms


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
    return ApiResponse(raw["statusCode"], headers, json.loads(raw["body"]))


def load_handler_module(spec: FunctionSpec) -> ModuleType:
    """Import a function's handler module under a unique name (all four are called `app`)."""
    module_file = Path(spec.code_uri) / (spec.handler.rpartition(".")[0] + ".py")
    loader_spec = importlib.util.spec_from_file_location(f"{spec.logical_id}_handler", module_file)
    assert loader_spec is not None
    assert loader_spec.loader is not None
    module = importlib.util.module_from_spec(loader_spec)
    loader_spec.loader.exec_module(module)
    return module


def assert_envelope(response: ApiResponse, status: int, message: str) -> None:
    """The SPEC's envelope: code equals the status, message "<op> succeed|failed", JSON content type."""
    assert response.status == status, response.body
    assert response.body["code"] == status
    assert response.body["message"] == message
    assert response.headers["content-type"] == "application/json"
    if status >= 400:
        assert set(response.body["data"]) >= {"error", "reason", "requestId"}
