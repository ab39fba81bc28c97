"""The embedded store's HTTP front: keep-alive for botocore, and answers in moto's words."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

from devtools.local_aws import client

LIST_TABLES = {
    "X-Amz-Target": "DynamoDB_20120810.ListTables",
    "Content-Type": "application/x-amz-json-1.0",
    "Authorization": (
        "AWS4-HMAC-SHA256 Credential=local/20261127/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"
    ),
}


def connection(endpoint: str) -> http.client.HTTPConnection:
    address = urlsplit(endpoint)
    return http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=10)


def test_given_one_connection_when_sending_requests_in_a_row_then_each_is_answered_on_it(
    embedded_dynamodb: str,
) -> None:
    link = connection(embedded_dynamodb)
    link.connect()
    local_port = link.sock.getsockname()[1]
    for _ in range(3):
        link.request("POST", "/", json.dumps({}), LIST_TABLES)
        response = link.getresponse()
        body = json.loads(response.read())
        assert response.status == 200
        assert "TableNames" in body
        assert not response.will_close
        assert link.sock.getsockname()[1] == local_port, "the same TCP connection served every request"
    link.close()


def test_given_a_request_without_content_length_when_answering_then_the_connection_closes(
    embedded_dynamodb: str,
) -> None:
    link = connection(embedded_dynamodb)
    link.putrequest("POST", "/")
    for name, value in LIST_TABLES.items():
        link.putheader(name, value)
    link.endheaders()
    response = link.getresponse()
    response.read()
    assert response.will_close


def test_given_a_request_moto_rejects_when_answering_then_its_status_and_error_come_back(
    embedded_dynamodb: str,
) -> None:
    link = connection(embedded_dynamodb)
    link.request(
        "POST",
        "/",
        json.dumps({"TableName": "no-such-table", "Key": {"name": {"S": "x"}}}),
        {
            **LIST_TABLES,
            "X-Amz-Target": "DynamoDB_20120810.GetItem",
        },
    )
    response = link.getresponse()
    raw = response.read()
    assert response.status == 400
    assert json.loads(raw)["__type"].endswith("ResourceNotFoundException")
    assert response.getheader("Content-Length") == str(len(raw))


def test_given_botocore_when_calling_many_times_then_it_reuses_its_connection(embedded_dynamodb: str) -> None:
    dynamodb = client(embedded_dynamodb)
    dynamodb.list_tables()
    pool = next(iter(dynamodb._endpoint.http_session._manager.pools._container.values()))  # type: ignore[attr-defined]
    for _ in range(5):
        dynamodb.list_tables()
    assert pool.num_connections == 1
