"""500 and 503 over real HTTP: the local API in front of a DynamoDB endpoint that fails.

The fake endpoint speaks DynamoDB's JSON protocol just enough: it lists the template's
table (so start-up creates nothing), then answers every data call with an error chosen by
the instance name in the request: a throttle, or a missing table (a misconfiguration).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from devtools.template import Template
from tests.http.local_api import LocalApi

PATH = "/api/v1/instance"


class _FailingDynamoDB(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """Quiet."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        if self.headers["X-Amz-Target"].endswith(".ListTables"):
            self._answer(200, {"TableNames": [table.name for table in Template.load().tables()]})
        elif "throttle-me" in body:
            self._answer(
                400, {"__type": "com.amazon.coral.availability#ThrottlingException", "message": "Rate exceeded"}
            )
        else:
            self._answer(
                400,
                {
                    "__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
                    "message": "Requested resource not found: Table: InstancesTable arn:aws:dynamodb:x:1:table/x",
                },
            )

    def _answer(self, status: int, document: dict[str, str | list[str]]) -> None:
        payload = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture(scope="module")
def failing_api() -> Iterator[LocalApi]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FailingDynamoDB)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    api = LocalApi("--dynamodb-endpoint", f"http://127.0.0.1:{server.server_port}")
    yield api
    api.stop()
    server.shutdown()
    server.server_close()


def test_given_dynamodb_throttles_when_creating_over_http_then_503_with_retry_after(failing_api: LocalApi) -> None:
    result = failing_api.request("POST", PATH, {"name": "throttle-me"})
    assert result.status == 503
    assert result.headers["Retry-After"] == "1"
    assert result.headers["Content-Type"] == "application/json"
    assert result.body["code"] == 503
    assert result.body["message"] == "create failed"
    assert result.body["data"]["reason"] == "Unavailable"


def test_given_a_misconfigured_table_when_getting_over_http_then_500_without_internals(failing_api: LocalApi) -> None:
    result = failing_api.request("GET", f"{PATH}?name=break-me")
    assert result.status == 500
    request_id = result.body["data"]["requestId"]
    assert result.body == {
        "code": 500,
        "message": "get failed",
        "data": {
            "error": "the server failed to process the request; quote the requestId when reporting it",
            "reason": "InternalError",
            "requestId": request_id,
        },
    }
    assert request_id == result.headers["x-amzn-RequestId"]
    for internal in (b"InstancesTable", b"arn:", b"ResourceNotFound", b"Traceback"):
        assert internal not in result.raw
    assert failing_api.wait_for(f'"correlation_id":"{request_id}"') is not None, "the logs carry the request id"
    assert failing_api.wait_for("ResourceNotFoundException") is not None, "and the detail"
