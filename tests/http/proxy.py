"""A programmable HTTP server for fault injection and checks in front of the local API.

Each request is handed to the test's `decide(exchange, forward)`, which answers it itself
(a scripted fake server), forwards it upstream and returns (or alters) the answer, does
something else first (a concurrent writer), or returns None: the connection is then closed
without an answer, as when a response is lost on the way back. Every request is recorded.
"""

from __future__ import annotations

import http.client
import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from devtools.keep_alive import KeepAliveRequestHandler

# Not passed on either way: each hop frames its own messages.
_HOP_HEADERS = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "date"})


@dataclass(frozen=True)
class Exchange:
    """A request as the server received it."""

    method: str
    target: str  # path and query, as sent
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query)

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def with_json(self, body: Any) -> Exchange:
        """The same request with another JSON body (and no stale signature of its own making)."""
        return replace(self, body=json.dumps(body).encode())


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @classmethod
    def envelope(cls, status: int, reason: str, error: str, *, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
        """An error in the API's envelope, as the gateway would answer it."""
        data = {"error": error, "reason": reason, "requestId": str(uuid.uuid4())}
        body = json.dumps({"code": status, "message": "request failed", "data": data}).encode()
        return cls(status, body, (("Content-Type", "application/json"), *headers))


Forward = Callable[[Exchange], Reply]
Decide = Callable[[Exchange, Forward], Reply | None]


def forward_all(exchange: Exchange, forward: Forward) -> Reply | None:
    """A transparent proxy: every request upstream, every answer back."""
    return forward(exchange)


@dataclass
class InterceptingServer:
    """Serves on a free loopback port; `base_url` is where clients send, `seen` what arrived."""

    decide: Decide
    upstream: str | None = None
    seen: list[Exchange] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        # A short poll keeps close() quick (shutdown waits for the loop to look).
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        host, port = self._server.server_address[:2]
        self.base_url = f"http://{host!s}:{port}"

    def __enter__(self) -> InterceptingServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def record(self, exchange: Exchange) -> None:
        with self._lock:
            self.seen.append(exchange)

    def requests(self, method: str | None = None) -> list[Exchange]:
        with self._lock:
            return [exchange for exchange in self.seen if method is None or exchange.method == method]

    def forward(self, exchange: Exchange) -> Reply:
        """Send `exchange` to the upstream as it is and return its answer."""
        if self.upstream is None:
            raise RuntimeError("this server has no upstream to forward to")
        url = urlsplit(self.upstream)
        connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=60)
        headers = {key: value for key, value in exchange.headers if key.lower() not in _HOP_HEADERS}
        try:
            connection.request(exchange.method, exchange.target, body=exchange.body or None, headers=headers)
            response = connection.getresponse()
            answer_headers = tuple((k, v) for k, v in response.getheaders() if k.lower() not in _HOP_HEADERS)
            return Reply(response.status, response.read(), answer_headers)
        finally:
            connection.close()


def _handler_for(server: InterceptingServer) -> type[KeepAliveRequestHandler]:
    class Handler(KeepAliveRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            exchange = Exchange(self.command, self.path, tuple(self.headers.items()), self.rfile.read(length))
            server.record(exchange)
            reply = server.decide(exchange, server.forward)
            if reply is None:  # the answer is lost: close without a word
                self.close_connection = True
                return
            self.send_whole_response(reply.status, reply.headers, reply.body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle  # noqa: N815 - http.server's names

    return Handler
