"""moto's DynamoDB and DynamoDB Streams on one loopback port, in memory: `make run`'s default store.

Conditional writes have exactly one winner, as on DynamoDB, because the embedded server
serialises its requests (devtools/embedded_moto.py).

Streams are moto's own (a table's stream shares its backend), answered on the same port as
DynamoDB Local answers them: the request's X-Amz-Target says which service it is for. moto
keeps every shard iterator it ever issued; a stream poller asking several times a second
would grow that without end, so an iterator is forgotten once GetRecords has read it (on
AWS an iterator expires after 15 minutes anyway). And moto's UpdateItem on a new item
stores the bare key first, which its stream records as an INSERT of its own before the
INSERT of the item; DynamoDB records one. The first is dropped (`_one_insert_per_item`).

Every call runs under one lock, so the store's speed is `make run`'s under load. moto
parses an UpdateExpression twice per UpdateItem, a third of the call's time (the API's
creates and updates are UpdateItems): each expression's tree is kept once parsed
(`_parse_each_update_expression_once`); moto's validator works on a deep copy of it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from typing import Any

from devtools.embedded_moto import EmbeddedMoto, moto_app
from devtools.wsgi_server import WSGIApp

STREAMS_TARGET_PREFIX = "DynamoDBStreams_20120810."


def _streams_app() -> WSGIApp:
    from moto.dynamodbstreams.models import dynamodbstreams_backends

    app = moto_app("dynamodbstreams")

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


def _one_insert_per_item() -> None:
    """Make moto's stream record one INSERT when UpdateItem creates an item, as DynamoDB does."""
    from moto.dynamodb.models.table import StreamShard

    original = StreamShard.add
    if getattr(original, "one_insert_per_item", False):
        return

    def add(self: StreamShard, old: Any, new: Any) -> None:
        last = self.items[-1].record["dynamodb"] if self.items else None
        if old is None and last is not None and self.items[-1].record["eventName"] == "INSERT":
            bare_key = last.get("NewImage") == last["Keys"]
            if bare_key and new is not None and new.hash_key.to_json() == next(iter(last["Keys"].values())):
                self.items.pop()  # the bare key UpdateItem stored an instant ago (under the same lock)
        original(self, old, new)

    add.one_insert_per_item = True  # type: ignore[attr-defined]
    StreamShard.add = add  # type: ignore[method-assign]


def _parse_each_update_expression_once() -> None:
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    if getattr(UpdateExpressionParser.make, "parsed_once", False):
        return
    parse = functools.lru_cache(maxsize=1024)(UpdateExpressionParser.make)

    def make(cls: type[UpdateExpressionParser], expression_str: str) -> Any:
        return parse(expression_str)

    make.parsed_once = True  # type: ignore[attr-defined]
    UpdateExpressionParser.make = classmethod(make)


def _dynamodb_with_streams() -> WSGIApp:
    dynamodb, streams = moto_app("dynamodb"), _streams_app()

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        return (streams if target.startswith(STREAMS_TARGET_PREFIX) else dynamodb)(environ, start_response)

    return application


class EmbeddedDynamoDB(EmbeddedMoto):
    engine = "embedded DynamoDB (moto, in memory: data is gone when it stops)"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        _one_insert_per_item()
        _parse_each_update_expression_once()
        super().__init__("dynamodb", host, port, application=_dynamodb_with_streams())
