"""moto's DynamoDB and DynamoDB Streams on one loopback port, in memory: `make run`'s default store.

moto's backend is not thread-safe (200 parallel `SET v = v + 1` left 148), so every request
runs under one lock (devtools/wsgi_server.py): each DynamoDB call then happens atomically,
as the real service guarantees, and conditional writes have exactly one winner.

Streams are moto's own (a table's stream shares its backend), answered on the same port as
DynamoDB Local answers them: the request's X-Amz-Target says which service it is for. moto
keeps every shard iterator it ever issued; a stream poller asking several times a second
would grow that without end, so an iterator is forgotten once GetRecords has read it (on
AWS an iterator expires after 15 minutes anyway).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from devtools.wsgi_server import WSGIApp, WSGIThread

STREAMS_TARGET_PREFIX = "DynamoDBStreams_20120810."


def _streams_app() -> WSGIApp:
    from moto.dynamodbstreams.models import dynamodbstreams_backends
    from moto.moto_server.werkzeug_app import create_backend_app

    app = create_backend_app("dynamodbstreams")

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("HTTP_X_AMZ_TARGET") != f"{STREAMS_TARGET_PREFIX}GetRecords":
            return app(environ, start_response)
        body = environ["wsgi.input"].read()
        environ["wsgi.input"].seek(0)
        answer = b"".join(app(environ, start_response))
        iterator = json.loads(body or b"{}").get("ShardIterator")
        for regions in dynamodbstreams_backends.values():
            for backend in regions.values():
                backend.shard_iterators.pop(iterator, None)
        return [answer]

    return application


class EmbeddedDynamoDB:
    engine = "embedded DynamoDB (moto, in memory: data is gone when it stops)"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        from moto.moto_server.werkzeug_app import create_backend_app

        # moto's DynamoDB app itself: its all-services dispatcher would work out which
        # service each request is for by scanning moto's package folders, every request.
        dynamodb, streams = create_backend_app("dynamodb"), _streams_app()

        def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            target = environ.get("HTTP_X_AMZ_TARGET", "")
            return (streams if target.startswith(STREAMS_TARGET_PREFIX) else dynamodb)(environ, start_response)

        self._server = WSGIThread(application, "embedded-dynamodb", host, port)
        self.endpoint = self._server.endpoint

    def stop(self) -> None:
        self._server.stop()
