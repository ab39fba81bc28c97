"""moto's DynamoDB on a loopback port, in memory: `make run`'s default store.

moto's backend is not thread-safe (200 parallel `SET v = v + 1` left 148), so every request
runs under one lock (devtools/wsgi_server.py): each DynamoDB call then happens atomically,
as the real service guarantees, and conditional writes have exactly one winner.
"""

from __future__ import annotations

from devtools.wsgi_server import WSGIThread


class EmbeddedDynamoDB:
    engine = "embedded DynamoDB (moto, in memory: data is gone when it stops)"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        from moto.moto_server.werkzeug_app import create_backend_app

        # moto's DynamoDB app itself: its all-services dispatcher would work out which
        # service each request is for by scanning moto's package folders, every request.
        self._server = WSGIThread(create_backend_app("dynamodb"), "embedded-dynamodb", host, port)
        self.endpoint = self._server.endpoint

    def stop(self) -> None:
        self._server.stop()
