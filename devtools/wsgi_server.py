"""A WSGI app over HTTP/1.1 with keep-alive, one request at a time, on a thread.

Werkzeug's development server closes every connection after one response, so each
DynamoDB call would cost a new TCP connection and a new server thread; botocore keeps its
connections open when the server lets it. Requests are serialised: the apps served here
(moto's) are not thread-safe, and serialising them makes each call atomic, as the real
service guarantees. A request without Content-Length (the AWS protocols always send one)
is answered and its connection closed.
"""

from __future__ import annotations

import io
import sys
import threading
from collections.abc import Callable, Iterable
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from devtools.keep_alive import KeepAliveRequestHandler

WSGIApp = Callable[..., Iterable[bytes]]


def _serialised(app: WSGIApp) -> Callable[..., list[bytes]]:
    """Wrap a WSGI app so one request at a time runs it, body included."""
    lock = threading.Lock()

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with lock:
            result = app(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()

    return application


class _WSGIServer(ThreadingHTTPServer):
    daemon_threads = True
    # Bursts of new connections (64 racing writers, a busy make run) must not overflow the
    # listen backlog (5 by default), which refuses connections a loaded machine is slow to accept.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], application: WSGIApp) -> None:
        self.application = application
        super().__init__(address, _KeepAliveWSGIHandler)


class _KeepAliveWSGIHandler(KeepAliveRequestHandler):
    server: _WSGIServer

    def _environ(self, body: bytes) -> dict[str, Any]:
        path, _, query = self.path.partition("?")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path),
            "RAW_URI": self.path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "SERVER_NAME": self.server.server_name,
            "SERVER_PORT": str(self.server.server_port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[key] = f"{environ[key]},{value}" if key in environ else value
        return environ

    def _handle(self) -> None:
        length = self.headers.get("Content-Length") or ""
        if length.isdigit():
            body = self.rfile.read(int(length))
        else:
            body, self.close_connection = b"", True
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., None]:
            answer.update(status=status, headers=headers)
            return lambda data: None

        payload = b"".join(self.server.application(self._environ(body), start_response))
        code, _, reason = answer["status"].partition(" ")
        self.send_whole_response(int(code), answer["headers"], payload, reason)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle  # noqa: N815 - http.server dispatches to do_<METHOD>


class WSGIThread:
    """`app` served on `host`:`port` (0: a free one) from a daemon thread, until `stop()`."""

    def __init__(self, app: WSGIApp, name: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _WSGIServer((host, port), _serialised(app))
        self._thread = threading.Thread(target=self._server.serve_forever, name=name, daemon=True)
        self._thread.start()
        self.endpoint = f"http://{host}:{self._server.server_port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
