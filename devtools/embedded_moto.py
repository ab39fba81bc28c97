"""One of moto's AWS services on a loopback port, in memory: the local stand-ins for AWS.

moto's backends are not thread-safe (200 parallel `SET v = v + 1` left 148), so every
request runs under one lock (devtools/wsgi_server.py): each call then happens atomically,
as the real service guarantees.
"""

from __future__ import annotations

from typing import Literal

from devtools.wsgi_server import WSGIThread

# The moto services the local tools stand up (moto names them as in its server's paths).
MotoService = Literal["dynamodb", "dynamodbstreams", "secretsmanager", "events"]


class EmbeddedMoto:
    def __init__(self, service: MotoService, host: str = "127.0.0.1", port: int = 0) -> None:
        from moto.moto_server.werkzeug_app import create_backend_app

        # The service's own app: moto's all-services dispatcher would work out which service
        # each request is for by scanning moto's package folders, every request.
        self._server = WSGIThread(create_backend_app(service), f"embedded-{service}", host, port)
        self.endpoint = self._server.endpoint

    def stop(self) -> None:
        self._server.stop()
