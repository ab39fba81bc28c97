"""The SigV4-checking gateway refuses what API Gateway's IAM auth refuses, and passes the rest.

Its refusals are what make the client tests that sign through it meaningful: a client
that signed the wrong thing would get these 403s.
"""

from __future__ import annotations

import http.client
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from botocore.credentials import Credentials

from tests.e2e import sigv4_server
from tests.e2e.signing import SignedApi
from tests.http.local_api import LocalApi
from tests.http.proxy import Exchange, Forward, InterceptingServer, Reply

REGION = "eu-west-1"
KNOWN = Credentials("AKIDGATEWAYTEST", "gateway-secret", "gateway-session-token")


@pytest.fixture
def upstream(embedded_local_api: LocalApi) -> LocalApi:
    return embedded_local_api


@pytest.fixture
def gateway(upstream: LocalApi) -> Iterator[InterceptingServer]:
    with sigv4_server.sigv4_gateway(upstream.base_url, {KNOWN.access_key: KNOWN}, REGION) as server:
        yield server


def _signed(base_url: str, credentials: Credentials = KNOWN, region: str = REGION) -> SignedApi:
    return SignedApi(base_url, credentials, region)


def _refusal(result_body: dict[str, object]) -> tuple[object, object]:
    data = result_body["data"]
    assert isinstance(data, dict)
    return data["reason"], data["error"]


def test_given_a_request_signed_with_known_credentials_when_it_passes_the_gateway_then_the_api_answers_it(
    gateway: InterceptingServer, upstream: LocalApi
) -> None:
    name = f"sig-{uuid.uuid4().hex[:12]}"
    created = _signed(gateway.base_url).request("POST", "/api/v1/instance", {"name": name, "hostIDs": ["h-1"]})
    assert created.status == 200, created.body
    read = _signed(gateway.base_url).request("GET", f"/api/v1/instance?name={name}")
    assert read.status == 200
    assert read.body["data"]["hostIDs"] == ["h-1"]
    assert upstream.request("GET", f"/api/v1/instance?name={name}").status == 200


def _with_extra_query(target: str) -> str:
    return target + ("&" if "?" in target else "?") + "x=1"


TAMPERINGS: dict[str, Callable[[Exchange], Exchange]] = {
    "nothing": lambda exchange: exchange,
    "body": lambda exchange: exchange.with_json({**exchange.json, "hostIDs": ["attacker"]}),
    "query": lambda exchange: replace(exchange, target=_with_extra_query(exchange.target)),
    "path": lambda exchange: replace(exchange, target=exchange.target.replace("/v1/", "/v1/namespaces/a/")),
    "signed header": lambda exchange: replace(
        exchange,
        headers=tuple(
            (key, "application/merge-patch+json" if key.lower() == "content-type" else value)
            for key, value in exchange.headers
        ),
    ),
}


@pytest.mark.parametrize("part", TAMPERINGS)
def test_given_a_signed_request_when_a_part_is_changed_in_flight_then_the_gateway_refuses_it_and_nothing_is_written(
    part: str, gateway: InterceptingServer, upstream: LocalApi
) -> None:
    def tamper(exchange: Exchange, forward: Forward) -> Reply:
        return forward(TAMPERINGS[part](exchange))

    name = f"tamper-{uuid.uuid4().hex[:12]}"
    with InterceptingServer(tamper, gateway.base_url) as man_in_the_middle:
        result = _signed(man_in_the_middle.base_url).request("POST", "/api/v1/instance", {"name": name})
    stored = upstream.request("GET", f"/api/v1/instance?name={name}").status
    if part == "nothing":  # the control: the same path through the same hops verifies
        assert (result.status, stored) == (200, 200), result.body
        return
    assert result.status == 403
    assert _refusal(result.body) == ("Forbidden", sigv4_server.MISMATCH)
    assert stored == 404


@pytest.mark.parametrize(
    ("credentials", "region", "message"),
    [
        (Credentials("AKIDUNKNOWN", "whatever"), REGION, sigv4_server.INVALID_TOKEN),
        (Credentials(KNOWN.access_key, "another-secret", KNOWN.token), REGION, sigv4_server.MISMATCH),
        (Credentials(KNOWN.access_key, KNOWN.secret_key), REGION, sigv4_server.INVALID_TOKEN),
        (KNOWN, "us-east-1", sigv4_server.WRONG_SCOPE),
    ],
    ids=["unknown key", "wrong secret", "no session token", "other region"],
)
def test_given_a_signature_from_wrong_credentials_or_scope_when_it_arrives_then_the_gateway_answers_403(
    credentials: Credentials, region: str, message: str, gateway: InterceptingServer
) -> None:
    result = _signed(gateway.base_url, credentials, region).request("GET", "/api/v1/instance?name=x")
    assert result.status == 403
    assert result.body["code"] == 403
    assert _refusal(result.body) == ("Forbidden", message)


def test_given_no_signature_when_a_request_arrives_then_the_gateway_answers_missing_authentication_token(
    gateway: InterceptingServer,
) -> None:
    url = urlsplit(gateway.base_url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)
    try:
        connection.request("GET", "/api/v1/instance?name=x")
        response = connection.getresponse()
        status, body = response.status, json.loads(response.read())
    finally:
        connection.close()
    assert status == 403
    assert _refusal(body) == ("Forbidden", sigv4_server.MISSING_TOKEN)


def test_given_a_signature_made_ten_minutes_ago_when_it_arrives_then_the_gateway_answers_signature_expired(
    gateway: InterceptingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: datetime.now(UTC) - timedelta(minutes=10))
    result = _signed(gateway.base_url).request("GET", "/api/v1/instance?name=x")
    assert result.status == 403
    assert _refusal(result.body) == ("Forbidden", sigv4_server.EXPIRED)
