"""A client that signs every request with SigV4 (service execute-api), as IAM auth requires."""

from __future__ import annotations

import http.client
from typing import Any
from urllib.parse import urlsplit

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, ReadOnlyCredentials

from tests.http.local_api import HeaderListApi, HttpResult


class SignedApi(HeaderListApi):
    """Sends requests to `base_url` (a stage's root, e.g. https://id.execute-api.../dev)."""

    def __init__(self, base_url: str, credentials: Credentials | ReadOnlyCredentials, region: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._signer = SigV4Auth(credentials, "execute-api", region)

    def request_with_headers(
        self, method: str, path: str, body: bytes | None, headers: list[tuple[str, str]]
    ) -> HttpResult:
        """A header whose name comes twice is sent unsigned (SignedHeaders leaves it out), so
        API Gateway checks the signature over the rest and the function sees both."""
        names = [name.lower() for name, _ in headers]
        once = {name: value for name, value in headers if names.count(name.lower()) == 1}
        signed = AWSRequest(method=method, url=f"{self.base_url}{path}", data=body, headers=once)
        self._signer.add_auth(signed)
        prepared = signed.prepare()
        url = urlsplit(prepared.url)
        connection_type = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        connection = connection_type(url.netloc, timeout=60)
        try:
            connection.putrequest(method, url.path + (f"?{url.query}" if url.query else ""), skip_accept_encoding=True)
            for name, value in [*prepared.headers.items(), *((n, v) for n, v in headers if n not in once)]:
                connection.putheader(name, value)
            if "Content-Length" not in prepared.headers:
                connection.putheader("Content-Length", str(len(body or b"")))
            connection.endheaders(body)
            response = connection.getresponse()
            return HttpResult(response.status, response.headers, response.read())
        finally:
            connection.close()


def assumed_role_credentials(session: botocore.session.Session, role_arn: str, region: str) -> Credentials:
    """Temporary credentials of `role_arn`, assumed with `session`'s: the role's tags then
    become the caller's aws:PrincipalTag/* (no session tags are passed, so none override them)."""
    sts: Any = session.create_client("sts", region_name=region)
    answer = sts.assume_role(RoleArn=role_arn, RoleSessionName="instance-api-e2e")["Credentials"]
    return Credentials(answer["AccessKeyId"], answer["SecretAccessKey"], answer["SessionToken"])
