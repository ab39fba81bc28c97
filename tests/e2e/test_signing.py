"""The signing client sends what IAM auth checks: a SigV4 Authorization for execute-api."""

from __future__ import annotations

import re

from botocore.credentials import Credentials

from tests.e2e.signing import SignedApi
from tests.http.local_api import LocalApi


def test_given_the_signing_client_when_it_calls_then_the_request_carries_a_sigv4_signature_for_execute_api(
    fixture_api: LocalApi,
) -> None:
    signed = SignedApi(fixture_api.base_url, Credentials("AKIDEXAMPLE", "secret", "session-token"), "eu-west-1")
    result = signed.request("POST", "/echo/item?b=2&a=1", {"name": "x"})
    assert result.status == 200
    headers = result.body["event"]["headers"]
    authorization = headers["Authorization"]
    assert re.fullmatch(
        r"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\d{8}/eu-west-1/execute-api/aws4_request, "
        r"SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}",
        authorization,
    )
    assert re.fullmatch(r"\d{8}T\d{6}Z", headers["X-Amz-Date"])
    assert headers["X-Amz-Security-Token"] == "session-token"
    assert result.body["event"]["queryStringParameters"] == {"a": "1", "b": "2"}
    assert result.body["event"]["body"] == '{"name": "x"}'
