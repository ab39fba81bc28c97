"""One request pipeline: what an operation takes, read from an API Gateway event in one fixed order.

An `Operation` declares what it takes: a body (and the reader that checks its fields), the
query parameters it knows, whether it reads an Idempotency-Key, and how those fields make
its command. The resolver reads every request the same way, cheapest check first:

1. the body's size: 413 over 64 KiB, whatever the method;
2. its media type: 415 unless UTF-8 JSON;
3. its JSON: 400 BadRequest unless one well-formed object (a repeated key included);
4. the fields: the path's namespace, the query parameters (each known, each once; a write's
   `dryRun` true or false), the headers the operation reads, then the body's fields: 400
   Invalid, with `details`;
5. the command those fields make, with the rules across fields (a body's namespace against
   the path's, a delete's name from the body or the query).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import unquote

from instance_api.domain.errors import Invalid, Malformed
from instance_api.domain.rules import dns_label_problem, host_id_problem
from instance_api.http.body import body_bytes, decode_json
from instance_api.http.envelope import OperationName
from instance_api.http.headers import caller_identity, idempotency_key, if_none_match, require_json_media_type
from instance_api.http.query import DRY_RUN, dry_run, query_values
from instance_api.http.routes import HOST_RESOURCES, NAMESPACED_INSTANCE_PATH

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
    from aws_lambda_powertools.utilities.typing import LambdaContext


class Fields(NamedTuple):
    """A request's fields, each checked on its own: the body as its reader made it (None when
    none was sent), the query parameters, the namespace the path scopes it to (None on the
    seed's cluster-wide path) and whether a write is only to be tried (`?dryRun=true`)."""

    body: Any
    query: dict[str, str]
    scope: str | None
    dry_run: bool = False
    host: str | None = None
    if_none_match: tuple[str, ...] | None = None


class Operation[Command](NamedTuple):
    """What an operation takes from a request. `body` reads a JSON object's fields (raising
    Invalid); None means the operation takes no body. `scoped_query` is the query it knows
    on a namespaced path, when that differs from `query`. A write that can be tried without
    being made (`dry_run`) also knows `dryRun`."""

    name: OperationName
    command: Callable[[Fields], Command]
    body: Callable[[dict[str, Any]], Any] | None = None
    body_required: bool = False
    query: frozenset[str] = frozenset()
    scoped_query: frozenset[str] | None = None
    idempotency_key: bool = False
    dry_run: bool = False
    # Whether it reads If-None-Match (a host's view: a 304 when the client's tag holds).
    conditional: bool = False


class Request[Command](NamedTuple):
    """What an operation's function gets: its command, and who asked with which key."""

    command: Command
    idempotency_key: str | None
    caller: str
    lambda_context: LambdaContext


class Reply(NamedTuple):
    """An answer with headers of its own: `data` None is a 304 Not Modified (no body at all)."""

    data: Any
    headers: dict[str, str]


def path_namespace(event: APIGatewayProxyEvent) -> str | None:
    """The namespace of a namespaced path (/api/v1/namespaces/{namespace}/instance), as API
    Gateway parsed it; None on the seed's cluster-wide path."""
    if event.resource != NAMESPACED_INSTANCE_PATH:
        return None
    namespace = (event.path_parameters or {}).get("namespace", "")
    if problem := dns_label_problem(namespace):
        raise Invalid.field("namespace", problem)
    return namespace


def path_host(event: APIGatewayProxyEvent) -> str | None:
    """The host ID of a host agent's path (/api/v1/hosts/{hostID}/...); None on other paths.

    API Gateway (REST) passes a path parameter as the client sent it, percent-encoding and all,
    and a SigV4 client (botocore, instancectl) encodes the `:` a host ID may hold as `%3A`:
    the parameter is decoded once. No valid host ID holds a `%`, so decoding one that was
    sent as is changes nothing, and what decoding makes is checked like any host ID."""
    if event.resource not in HOST_RESOURCES:
        return None
    host_id = unquote((event.path_parameters or {}).get("hostID", ""), errors="replace")
    if problem := host_id_problem(host_id):
        raise Invalid.field("hostID", problem)
    return host_id


def _document(event: APIGatewayProxyEvent) -> Any:
    """Steps 1-3: the body's JSON, or None when there is no body."""
    raw = body_bytes(event)
    if not raw:
        return None
    require_json_media_type(event)
    return decode_json(raw)


def _body[Command](operation: Operation[Command], event: APIGatewayProxyEvent, document: Any) -> Any:
    if document is None:
        if operation.body_required:
            raise Malformed("the request body must be a JSON object")
        return None
    if operation.body is None:
        raise Malformed(f"a {event.http_method} takes no request body; send the query string only")
    if not isinstance(document, dict):
        raise Malformed("the request body must be a JSON object")
    return operation.body(document)


def decode[Command](
    operation: Operation[Command], event: APIGatewayProxyEvent, lambda_context: LambdaContext
) -> Request[Command]:
    """The request `operation` takes, read in the fixed order above."""
    document = _document(event)
    scope = path_namespace(event)
    host = path_host(event)
    known = operation.scoped_query if scope is not None and operation.scoped_query is not None else operation.query
    query = query_values(event, known | {DRY_RUN} if operation.dry_run else known)
    trial = dry_run(query) if operation.dry_run else False
    key = idempotency_key(event) if operation.idempotency_key else None
    tags = if_none_match(event) if operation.conditional else None
    fields = Fields(_body(operation, event, document), query, scope, trial, host, tags)
    return Request(operation.command(fields), key, caller_identity(event), lambda_context)
