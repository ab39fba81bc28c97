"""A SigV4-checking gateway for tests: API Gateway's IAM signature check in front of the local API.

The local API takes no credentials, so on its own it cannot show that a client signs
correctly. This server recomputes each request's SigV4 signature with botocore, for a set
of known test credentials, and answers 403 `Forbidden` in the envelope (with API Gateway's
own messages) when the signature is missing, made with an unknown key or another secret,
scoped to another region or service, too old, or does not match what arrived (a tampered
path, query, header or body); otherwise it forwards the request to the upstream.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone

from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.http.proxy import Exchange, Forward, InterceptingServer, Reply

SERVICE = "execute-api"
# API Gateway's messages for each refusal.
MISSING_TOKEN = "Missing Authentication Token"
INVALID_TOKEN = "The security token included in the request is invalid."
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method."
)
WRONG_SCOPE = "Credential should be scoped to a valid region and service."
EXPIRED = "Signature expired: the request's X-Amz-Date is more than 5 minutes from now."
MAX_SKEW = timedelta(minutes=5)

_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<day>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request, "
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})"
)


def signature_problem(
    exchange: Exchange,
    known: Mapping[str, Credentials],
    region: str,
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
) -> str | None:
    """Why API Gateway would refuse this request's signature, or None when it verifies."""
    authorization = exchange.header("Authorization")
    if authorization is None:
        return MISSING_TOKEN
    match = _AUTHORIZATION.fullmatch(authorization)
    if match is None:
        return MISMATCH
    credentials = known.get(match["key"])
    if credentials is None or exchange.header("X-Amz-Security-Token") != credentials.token:
        return INVALID_TOKEN
    if (match["region"], match["service"]) != (region, SERVICE):
        return WRONG_SCOPE
    signed = match["signed"].split(";")
    timestamp = exchange.header("X-Amz-Date") or ""
    if not {"host", "x-amz-date"} <= set(signed) or not timestamp.startswith(match["day"]):
        return MISMATCH
    if abs(now() - datetime.strptime(timestamp, SIGV4_TIMESTAMP).replace(tzinfo=timezone.utc)) > MAX_SKEW:
        return EXPIRED
    expected = expected_signature(exchange, signed, credentials, region)
    return None if hmac.compare_digest(expected, match["signature"]) else MISMATCH


def expected_signature(exchange: Exchange, signed: list[str], credentials: Credentials, region: str) -> str:
    """The signature botocore computes for what arrived: the signed headers, path, query and body."""
    headers = {name: exchange.header(name) or "" for name in signed}
    request = AWSRequest(
        method=exchange.method,
        url=f"http://{exchange.header('Host')}{exchange.target}",
        data=exchange.body,
        headers=headers,
    )
    request.context["timestamp"] = exchange.header("X-Amz-Date")
    signer = SigV4Auth(credentials, SERVICE, region)
    return str(signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request))


def sigv4_gateway(upstream: str, known: Mapping[str, Credentials], region: str) -> InterceptingServer:
    """A server that forwards to `upstream` only requests signed by one of `known` for `region`."""

    def decide(exchange: Exchange, forward: Forward) -> Reply:
        problem = signature_problem(exchange, known, region)
        if problem is not None:
            return Reply.envelope(403, "Forbidden", problem)
        return forward(exchange)

    return InterceptingServer(decide, upstream)
