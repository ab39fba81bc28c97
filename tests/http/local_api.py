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


class LocalApi(LocalApiProcess):
    """`python -m devtools.local_api` as a user starts it, with a plain HTTP client."""

    def request(
        self,
        method: str,
        path: str,
        body: bytes | str | dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> HttpResult:
        payload = json.dumps(body).encode() if isinstance(body, dict) else body
        all_headers = dict(headers or {})
        if isinstance(body, dict):
            all_headers.setdefault("Content-Type", "application/json")
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request(method, path, body=payload, headers=all_headers)
            response = connection.getresponse()
            return HttpResult(response.status, response.headers, response.read())
        finally:
            connection.close()
