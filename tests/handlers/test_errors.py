"""Failures: DynamoDB faults, unexpected exceptions, and Powertools' own error shapes."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import botocore.client
import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError, ReadTimeoutError

from instance_api.domain.commands import CreateCommand
from instance_api.domain.service import InstanceService
from instance_api.http.request import Request
from instance_api.http.resolver import InstanceApi
from instance_api.http.writes import CREATE
from tests.handlers.conftest import MAKE_API_CALL, Api, intercept_aws

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext as PowertoolsContext

from devtools.lambda_runtime import LambdaContext
from tests.support import ApiResponse, api_event, assert_envelope, decode_proxy_response

# Every DynamoDB call site of the operations: the operation, how to call it, the call it makes.
# (The idempotency utility's call sites are in test_idempotency.py.)
CALLS: dict[str, tuple[str, Callable[[Api], ApiResponse], str]] = {
    "create": ("create", lambda api: api.create({"name": "b"}), "UpdateItem"),
    "update": ("update", lambda api: api.update({"name": "a", "shareStorage": True}), "UpdateItem"),
    "get": ("get", lambda api: api.get("a"), "GetItem"),
    "list-namespace": ("list", lambda api: api.list(namespace="team-a"), "Query"),
    "list-all": ("list", lambda api: api.list(), "Scan"),
    "delete": ("delete", lambda api: api.delete({"name": "a"}), "UpdateItem"),
}
INTERNALS = ("InstancesTable", "arn:", "ResourceNotFound", "Throttling", "Traceback", "botocore")


def assert_nothing_half_written(api: Api) -> None:
    """After a failed call the table is as before it: "a" untouched, "b" never created."""
    stored = api.get("a")
    assert stored.status == 200
    assert (stored.data["version"], stored.data["shareStorage"]) == (1, False)
    assert api.get("b").status == 404


def fail_dynamodb(monkeypatch: pytest.MonkeyPatch, operation: str, error: Exception) -> None:
    def failing(service: str, operation_name: str, params: dict[str, Any]) -> None:
        if service == "dynamodb" and operation_name == operation:
            raise error

    intercept_aws(monkeypatch, failing)


def client_error(code: str, operation: str) -> ClientError:
    message = "Requested resource not found: Table: InstancesTable arn:aws:dynamodb:us-east-1:1:table/InstancesTable"
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


@pytest.mark.parametrize("site", CALLS)
@pytest.mark.parametrize(
    "code",
    ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "InternalServerError"],
)
def test_given_dynamodb_throttles_after_retries_when_calling_then_503_with_retry_after(
    api: Api, monkeypatch: pytest.MonkeyPatch, site: str, code: str
) -> None:
    api.create({"name": "a", "namespace": "team-a"})
    operation, call, dynamodb_operation = CALLS[site]
    fail_dynamodb(monkeypatch, dynamodb_operation, client_error(code, dynamodb_operation))
    response = call(api)
    assert_envelope(response, 503, f"{operation} failed")
    assert response.reason == "Unavailable"
    assert response.headers["retry-after"] == "1"
    assert not [internal for internal in INTERNALS if internal in json.dumps(response.body)]
    with monkeypatch.context() as restore:
        restore.setattr(botocore.client.BaseClient, "_make_api_call", MAKE_API_CALL)
        assert_nothing_half_written(api)


@pytest.mark.parametrize(
    "error",
    [ConnectTimeoutError(endpoint_url="http://dynamodb"), ReadTimeoutError(endpoint_url="http://dynamodb")],
)
def test_given_dynamodb_times_out_when_creating_then_503(
    api: Api, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    fail_dynamodb(monkeypatch, "UpdateItem", error)
    response = api.create({"name": "a"})
    assert response.status == 503
    assert response.headers["retry-after"] == "1"


@pytest.mark.parametrize("site", CALLS)
def test_given_an_unexpected_dynamodb_error_when_calling_then_500_without_internals(
    api: Api, monkeypatch: pytest.MonkeyPatch, logs: io.StringIO, site: str
) -> None:
    operation, call, dynamodb_operation = CALLS[site]
    fail_dynamodb(monkeypatch, dynamodb_operation, client_error("ResourceNotFoundException", dynamodb_operation))
    response = call(api)
    assert_envelope(response, 500, f"{operation} failed")
    assert response.data == {
        "error": "the server failed to process the request; quote the requestId when reporting it",
        "reason": "InternalError",
        "requestId": "test-request-id",
    }
    assert not [internal for internal in INTERNALS if internal in json.dumps(response.body)]
    logged = logs.getvalue()
    assert "ResourceNotFoundException" in logged
    assert '"correlation_id":"test-request-id"' in logged


def test_given_a_bug_raises_when_creating_then_500_and_the_detail_only_in_the_logs(
    api: Api, monkeypatch: pytest.MonkeyPatch, logs: io.StringIO
) -> None:
    def broken(self: InstanceService, command: object, **options: object) -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(InstanceService, "create", broken)
    response = api.create({"name": "a"})
    assert_envelope(response, 500, "create failed")
    assert "secret detail" not in json.dumps(response.body)
    assert "secret detail" in logs.getvalue()


# -- a resolver outside API Gateway's routing answers in our envelope too ----------------------


def resolve(event: dict[str, Any]) -> ApiResponse:
    app = InstanceApi()

    @app.operation("POST", CREATE)
    def create(request: Request[CreateCommand]) -> None:
        raise AssertionError("these tests send no create")

    return decode_proxy_response(app.resolve(event, cast("PowertoolsContext", LambdaContext())))


def test_given_a_method_the_function_does_not_route_when_resolving_then_405_in_our_envelope() -> None:
    response = resolve(api_event("PATCH"))
    assert_envelope(response, 405, "request failed")
    assert response.reason == "MethodNotAllowed"


def test_given_an_unknown_path_when_resolving_then_404_in_our_envelope() -> None:
    event = api_event("POST", path="/elsewhere")
    event["resource"] = "/{proxy+}"
    response = resolve(event)
    assert_envelope(response, 404, "request failed")
    assert response.data["error"] == "no route for /elsewhere"


def test_given_a_failure_inside_the_operation_when_resolving_then_its_message_names_the_operation() -> None:
    response = resolve(api_event("POST", body={"name": "a"}))
    assert_envelope(response, 500, "create failed")
