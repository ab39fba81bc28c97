"""The resolver every function uses: its operation declared once, every answer in the envelope.

A function builds one `InstanceApi` and hands it the operation it serves (what the operation
takes: request.py) and the call it makes:

    app = InstanceApi()

    @app.operation("POST", writes.CREATE)
    def create_instance(request: Request[CreateCommand]) -> Instance: ...

which serves that method on the seed's path and on the namespaced one. The resolver reads the
request in one fixed order (request.decode) and calls the function with its command.

The function returns the `data` of a success. Errors, the domain's outcomes and the edge's
own (looked up in answers.py), Powertools' own (its 422 request-validation shape, its
ServiceError `{"statusCode","message"}` shape, its 404) and anything unexpected, become the
envelope here too; every answer, success or error, records its metric in the same place.
Powertools' `enable_validation` stays off: requests are read by request.py, which keeps the
OpenAPI machinery out of the cold start; the RequestValidationError handler below still
covers any route that turns it on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from instance_api.domain.errors import Invalid, Malformed, NotFound, Unavailable, clip
from instance_api.http.answers import answer_for
from instance_api.http.body import body_bytes
from instance_api.http.details import invalid
from instance_api.http.envelope import OperationName, error_body, success_body
from instance_api.http.errors import MethodNotAllowed, PayloadTooLarge, UnsupportedMediaType
from instance_api.http.query import dry_run_asked
from instance_api.http.request import Operation, Request, decode, path_namespace
from instance_api.http.routes import INSTANCE_PATH, INSTANCE_RESOURCES, NAMESPACED_INSTANCE_PATH, NAMESPACED_ROUTE
from instance_api.observability import logger, metrics

JSON = "application/json"
# On every answer to a write asked to be tried only (`?dryRun=true`), an error's included.
DRY_RUN_HEADER = {"Dry-Run": "true"}

_SERVICE_ERRORS: dict[int, Callable[[str], Exception]] = {
    HTTPStatus.BAD_REQUEST: Malformed,
    HTTPStatus.NOT_FOUND: NotFound,
    HTTPStatus.METHOD_NOT_ALLOWED: MethodNotAllowed,
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: PayloadTooLarge,
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE: UnsupportedMediaType,
    HTTPStatus.SERVICE_UNAVAILABLE: lambda message: Unavailable(f"Powertools answered 503: {message}"),
}

# The operation a request asks for: fixed for most functions, read from the event for the
# get function (one route answers both get and list).
Chooser = Callable[[APIGatewayProxyEvent], Operation[Any]]

_SUCCESS = {
    "create": "InstanceCreated",
    "update": "InstanceUpdated",
    "get": "InstanceRead",
    "list": "InstancesListed",
    "delete": "InstanceDeleted",
}


def outcome(operation: OperationName, status: int, *, dry_run: bool = False) -> str:
    """The metric name for a response of `status` to `operation` (observability.py lists them):
    a dry run's success created, updated or deleted nothing, and is counted apart."""
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


class InstanceApi(APIGatewayRestResolver):
    """`allowed_methods` names the methods the API routes on its paths (a 405's Allow header)."""

    def __init__(self, allowed_methods: Callable[[], str | None] = lambda: None) -> None:
        super().__init__()
        self._allowed_methods = allowed_methods
        self._operation_of: Callable[[APIGatewayProxyEvent], OperationName] = lambda _event: "request"
        self._tried_only: Callable[[APIGatewayProxyEvent], bool] = lambda _event: False
        self._methods: set[str] = set()
        self.exception_handler(Exception)(self._failure)
        self.exception_handler(RequestValidationError)(self._powertools_validation)
        self.exception_handler(RequestUnsupportedContentType)(self._powertools_media_type)
        self.exception_handler(ServiceError)(self._powertools_service_error)
        self.not_found(self._no_route)

    def operation[Command](
        self, method: str, operation: Operation[Command] | Chooser
    ) -> Callable[[Callable[[Request[Command]], Any]], Callable[[Request[Command]], Any]]:
        """Route `method` on the instance paths to the decorated function, which answers `operation`."""
        choose: Chooser = operation if callable(operation) else lambda _event: operation
        self._operation_of = lambda event: choose(event).name
        self._tried_only = lambda event: choose(event).dry_run and dry_run_asked(event)
        self._methods.add(method)

        def register(answer: Callable[[Request[Command]], Any]) -> Callable[[Request[Command]], Any]:
            def route(**_path: str) -> Response[str]:
                event = self.current_event
                chosen = choose(event)
                data = answer(decode(chosen, event, self.lambda_context))
                return self._answer(HTTPStatus.OK, chosen.name, success_body(chosen.name, data))

            self.route(INSTANCE_PATH, method)(route)
            self.route(NAMESPACED_ROUTE, method)(route)
            return answer

        return register

    def _answer(
        self, status: int, operation: OperationName, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> Response[str]:
        """The one way out: every response's metric, then its envelope as JSON."""
        dry_run = self._tried_only(self.current_event)
        if dry_run:
            headers = {**(headers or {}), **DRY_RUN_HEADER}
        metrics.add_dimension(name="operation", value=operation)
        metrics.add_metric(name=outcome(operation, status, dry_run=dry_run), unit=MetricUnit.Count, value=1)
        return Response(
            status_code=status, content_type=JSON, body=json.dumps(body, separators=(",", ":")), headers=headers
        )

    def _failure(self, error: Exception) -> Response[str]:
        answer = answer_for(error)
        if answer.status == HTTPStatus.SERVICE_UNAVAILABLE:
            logger.warning("a dependency is unavailable after retries", exc_info=error)
        elif answer.status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            logger.exception("unhandled error", exc_info=error)
        event = self.current_event
        request_id = event.request_context.request_id or getattr(self.lambda_context, "aws_request_id", "")
        operation = self._operation_of(event)
        return self._answer(answer.status, operation, error_body(operation, answer, request_id), answer.headers)

    def _powertools_validation(self, error: RequestValidationError) -> Response[str]:
        return self._failure(invalid(list(error.errors()), drop_prefix=("body",)))

    def _powertools_media_type(self, error: RequestUnsupportedContentType) -> Response[str]:
        return self._failure(UnsupportedMediaType("Content-Type must be application/json"))

    def _powertools_service_error(self, error: ServiceError) -> Response[str]:
        make = _SERVICE_ERRORS.get(error.status_code)
        return self._failure(error if make is None else make(str(error.msg)))

    def _no_route(self, error: Exception) -> Response[str]:
        # The route fallback function answers here for every method or path the API does not
        # route; in the operation functions only a stray event, or a namespaced path whose
        # namespace has characters Powertools' router does not match, can get here. A body over
        # 64 KiB is 413 here too: size comes first, whatever the method or path.
        event = self.current_event
        try:
            body_bytes(event)
        except (PayloadTooLarge, Malformed) as refused:
            return self._failure(refused)
        if event.resource not in INSTANCE_RESOURCES:
            return self._failure(NotFound(f"no route for {clip(event.path)}"))
        if event.resource == NAMESPACED_INSTANCE_PATH and event.http_method in self._methods:
            try:
                path_namespace(event)
            except Invalid as malformed:
                return self._failure(malformed)
            return self._failure(NotFound(f"no route for {clip(event.path)}"))
        allowed = self._allowed_methods()
        message = f"method {event.http_method} is not allowed on {event.resource}"
        return self._failure(MethodNotAllowed(message + (f"; allowed: {allowed}" if allowed else ""), allowed))
