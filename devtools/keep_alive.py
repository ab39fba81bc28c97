"""The request handler both local HTTP servers build on (the gateway, the embedded store)."""

from __future__ import annotations

from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler
from typing import Any

# Framing is this handler's own: whatever an application said about it is replaced.
_FRAMING_HEADERS = frozenset({"content-length", "connection", "transfer-encoding"})


class KeepAliveRequestHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive; every response whole, with its Content-Length."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes; with Nagle on, the second waits for the
    # client's delayed ACK (~40 ms per request on keep-alive connections).
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """Silence http.server's access log: each server prints its own, or none."""

    def send_whole_response(
        self, status: int, headers: Iterable[tuple[str, str]], body: bytes, reason: str | None = None
    ) -> None:
        """Status, headers, Content-Length and body (none for HEAD); `Connection: close`
        when this connection ends after it (self.close_connection)."""
        self.send_response_only(status, reason)
        self.send_header("Date", self.date_time_string())
        for name, value in headers:
            if name.lower() not in _FRAMING_HEADERS:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
