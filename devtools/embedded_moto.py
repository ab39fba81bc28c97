"""One of moto's AWS services on a loopback port, in memory: the local stand-ins for AWS.

moto's backends are not thread-safe (200 parallel `SET v = v + 1` left 148), so every
request runs under one lock (devtools/wsgi_server.py): each call then happens atomically,
as the real service guarantees.
"""

from __future__ import annotations

from typing import Literal

from devtools.wsgi_server import WSGIApp, WSGIThread

# The moto services the local tools stand up (moto names them as in its server's paths).
MotoService = Literal["dynamodb", "dynamodbstreams", "secretsmanager", "events"]


def moto_app(service: MotoService) -> WSGIApp:
    """The service's own app: moto's all-services dispatcher would work out which service each
    request is for by scanning moto's package folders, every request."""
    from moto.moto_server.werkzeug_app import create_backend_app

    app: WSGIApp = create_backend_app(service)
    return app


class EmbeddedMoto:
    """`service` served on `host`:`port`; `application` when one app serves more than one service."""

    def __init__(
        self, service: MotoService, host: str = "127.0.0.1", port: int = 0, application: WSGIApp | None = None
    ) -> None:
        self._server = WSGIThread(application or moto_app(service), f"embedded-{service}", host, port)
        self.endpoint = self._server.endpoint

    def stop(self) -> None:
        self._server.stop()
