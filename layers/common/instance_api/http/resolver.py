"""The resolver every function uses: its operation declared once, every answer in the envelope.

A function builds one `InstanceApi` and hands it the operation it serves (what the operation
takes: request.py) and the call it makes:

    app = InstanceApi()

    @app.operation("POST", writes.CREATE)
    def create_instance(request: Request[CreateCommand]) -> Instance: ...

which serves that method on the seed's path and on the namespaced one. The resolver reads the
request in one fixed order (request.decode) and calls the function with its command.

API Gateway has routed the request before the function runs: the event names the resource
(the template's path, `/api/v1/namespaces/{namespace}/instance`) and the method it matched,
so dispatch is a dictionary lookup on those two. (Powertools' APIGatewayRestResolver matched
the path again with regular expressions; importing and building it was ~15 ms of every API
function's cold start, and its own error shapes had to be translated into ours: decision 165.)

The function returns the `data` of a success. Errors, the domain's outcomes and the edge's
own (looked up in answers.py), and anything unexpected, become the envelope here too; every
answer, success or error, records its metric in the same place, and leaves as an API Gateway
proxy response (`multiValueHeaders`, as Powertools wrote it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from instance_api.domain.errors import Invalid, Malformed, NotFound, clip
from instance_api.http.answers import answer_for
from instance_api.http.body import body_bytes
from instance_api.http.envelope import OperationName, error_body, success_body
from instance_api.http.errors import MethodNotAllowed, PayloadTooLarge
from instance_api.http.query import dry_run_asked
from instance_api.http.request import Operation, Reply, Request, decode, path_host, path_namespace
from instance_api.http.routes import INSTANCE_RESOURCES, ROUTED_METHODS
from instance_api.observability import logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

JSON = "application/json"
# On every answer to a write asked to be tried only (`?dryRun=true`), an error's included.
DRY_RUN_HEADER = {"Dry-Run": "true"}

# The operation a request asks for: fixed for most functions, read from the event for the
# get function (one route answers both get and list).
Chooser = Callable[[APIGatewayProxyEvent], Operation[Any]]
Answer = Callable[[Request[Any]], Any]

_SUCCESS = {
    "create": "InstanceCreated",
    "update": "InstanceUpdated",
    "get": "InstanceRead",
    "list": "InstancesListed",
    "delete": "InstanceDeleted",
    "view": "HostViewRead",
    "report": "StatusReported",
}


def outcome(operation: OperationName, status: int, *, dry_run: bool = False) -> str:
    """The metric name for a response of `status` to `operation` (observability.py lists them):
    a dry run's success created, updated or deleted nothing, and is counted apart."""
    if status == 304:
        return "NotModified"
    if status < 400:
        return "DryRunSucceeded" if dry_run else _SUCCESS[operation]
    if status == 404:
        return "NotFound"
    if status == 409:
        return "Conflict"
    if status == 503:
        return "Throttled"
    if status >= 500:
        return "Error"
    return "Invalid"


class InstanceApi:
    def __init__(self) -> None:
        # (resource, method) -> the operation it serves and the function that answers it
        self._routes: dict[tuple[str, str], tuple[Chooser, Answer]] = {}

    def operation[Command](
        self, method: str, operation: Operation[Command] | Chooser, resources: tuple[str, ...] = INSTANCE_RESOURCES
    ) -> Callable[[Callable[[Request[Command]], Any]], Callable[[Request[Command]], Any]]:
        """Route `method` on `resources` (the instance paths unless named) to the decorated
        function, which answers `operation`. It returns the `data` of a 200, or a Reply (its own
        headers; no data: a 304)."""
        choose: Chooser = operation if callable(operation) else lambda _event: operation

        def register(answer: Callable[[Request[Command]], Any]) -> Callable[[Request[Command]], Any]:
            for resource in resources:
                self._routes[resource, method] = (choose, answer)
            return answer

        return register

    def resolve(self, raw_event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        """The proxy response to one API Gateway event: its route's answer, or an error's."""
        event = APIGatewayProxyEvent(raw_event)
        route = self._routes.get((event.resource, event.http_method))
        try:
            if route is None:
                return self._no_route(event, context)
            choose, answer = route
            chosen = choose(event)
            data = answer(decode(chosen, event, context))
            if isinstance(data, Reply):
                if data.data is None:
                    return self._answer(event, chosen, HTTPStatus.NOT_MODIFIED, None, data.headers)
                return self._answer(event, chosen, HTTPStatus.OK, success_body(chosen.name, data.data), data.headers)
            return self._answer(event, chosen, HTTPStatus.OK, success_body(chosen.name, data))
        except Exception as error:  # noqa: BLE001 - every failure is answered, by its kind (answers.py)
            return self._failure(event, context, route, error)

    def _answer(
        self,
        event: APIGatewayProxyEvent,
        chosen: Operation[Any] | None,
        status: int,
        body: dict[str, Any] | None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """The one way out: every response's metric, then its envelope as JSON (a 304 has no body)."""
        name: OperationName = chosen.name if chosen is not None else "request"
        dry_run = chosen is not None and chosen.dry_run and dry_run_asked(event)
        headers = {**(headers or {}), **(DRY_RUN_HEADER if dry_run else {})}
        if body is not None:
            headers["Content-Type"] = JSON
        metrics.add_dimension(name="operation", value=name)
        metrics.add_metric(name=outcome(name, status, dry_run=dry_run), unit=MetricUnit.Count, value=1)
        return {
            "statusCode": int(status),
            "body": "" if body is None else json.dumps(body, separators=(",", ":")),
            "isBase64Encoded": False,
            "multiValueHeaders": {header: [value] for header, value in headers.items()},
        }

    def _failure(
        self,
        event: APIGatewayProxyEvent,
        context: LambdaContext,
        route: tuple[Chooser, Answer] | None,
        error: Exception,
    ) -> dict[str, Any]:
        answer = answer_for(error)
        if answer.status == HTTPStatus.SERVICE_UNAVAILABLE:
            logger.warning("a dependency is unavailable after retries", exc_info=error)
        elif answer.status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            logger.exception("unhandled error", exc_info=error)
        request_id = event.request_context.request_id or getattr(context, "aws_request_id", "")
        chosen = _chosen(route, event)
        name: OperationName = chosen.name if chosen is not None else "request"
        return self._answer(event, chosen, answer.status, error_body(name, answer, request_id), dict(answer.headers))

    def _no_route(self, event: APIGatewayProxyEvent, context: LambdaContext) -> dict[str, Any]:
        # The route fallback function answers here for every method or path the API does not
        # route; an operation function only for a stray event. A body over 64 KiB is 413 here
        # too: size comes first, whatever the method or path.
        try:
            body_bytes(event)
            allowed = ROUTED_METHODS.get(event.resource)
            if allowed is None:
                raise NotFound(f"no route for {clip(event.path or '')}")
            path_namespace(event)
            path_host(event)
        except (PayloadTooLarge, Malformed, NotFound, Invalid) as refused:
            return self._failure(event, context, None, refused)
        message = f"method {event.http_method} is not allowed on {event.resource}; allowed: {allowed}"
        refusal = MethodNotAllowed(message, allowed)
        return self._failure(event, context, None, refusal)


def _chosen(route: tuple[Chooser, Answer] | None, event: APIGatewayProxyEvent) -> Operation[Any] | None:
    """The operation a failed request asked for, when its route says (a get or a list, say)."""
    if route is None:
        return None
    try:
        return route[0](event)
    except Exception:  # noqa: BLE001 - a request too broken to choose for is answered as the request's
        return None
