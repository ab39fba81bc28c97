"""The local API, driven over real HTTP: the HTTP and e2e tiers' client side."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from devtools.local_api.launch import LocalApiProcess

FIXTURE_APP = Path(__file__).with_name("fixture_app")
# As a shell starts a background job: SIGINT ignored, and exec keeps it so.
SIGINT_IGNORED = ("bash", "-c", 'trap "" INT; exec "$0" "$@"')


@dataclass(frozen=True)
class HttpResult:
    status: int
    headers: http.client.HTTPMessage
    raw: bytes

    @property
    def body(self) -> Any:
        return json.loads(self.raw)


class HttpApi(Protocol):
    """Anything the contract tests can send requests to (the local API, a signed client)."""

    def request(
        self,
        method: str,
        path: str,
        body: bytes | str | dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> HttpResult: ...

    def request_with_headers(
        self, method: str, path: str, body: bytes | None, headers: list[tuple[str, str]]
    ) -> HttpResult:
        """Headers as a list, so one name may come twice (in two cases, say)."""


class HeaderListApi:
    """`request` for clients that send headers as a list (`request_with_headers`): a dict body
    goes as JSON with its Content-Type, a str body as UTF-8."""

    def request(
        self,
        method: str,
        path: str,
        body: bytes | str | dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> HttpResult:
        all_headers = dict(headers or {})
        if isinstance(body, dict):
            all_headers.setdefault("Content-Type", "application/json")
            body = json.dumps(body)
        payload = body.encode() if isinstance(body, str) else body
        return self.request_with_headers(method, path, payload, list(all_headers.items()))

    def request_with_headers(
        self, method: str, path: str, body: bytes | None, headers: list[tuple[str, str]]
    ) -> HttpResult:
        raise NotImplementedError


class LocalApi(HeaderListApi, LocalApiProcess):
    """`python -m devtools.local_api` as a user starts it, with a plain HTTP client."""

    def request_with_headers(
        self, method: str, path: str, body: bytes | None, headers: list[tuple[str, str]]
    ) -> HttpResult:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            # A Host header the caller sends is the only one (http.client would add its own first).
            own_host = any(name.lower() == "host" for name, _ in headers)
            connection.putrequest(method, path, skip_host=own_host, skip_accept_encoding=True)
            for name, value in headers:
                connection.putheader(name, value)
            connection.putheader("Content-Length", str(len(body or b"")))
            connection.endheaders(body)
            response = connection.getresponse()
            return HttpResult(response.status, response.headers, response.read())
        finally:
            connection.close()
