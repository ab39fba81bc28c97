"""The resolver every function uses: its operation named once, every answer in the envelope.

A function builds one `InstanceApi` and declares its operation at its route:

    app = InstanceApi()

    @app.operation("POST", "create")
    def create_instance(call: Call) -> Instance: ...

which serves that method on the seed's path and on the namespaced one (`call.namespace` is
the path's namespace there, None on the seed's path).

The decorated function returns the `data` of a success. Errors, ours (`ApiError`, each
carrying its status and reason), Powertools' own (its 422 request-validation shape, its
ServiceError `{"statusCode","message"}` shape, its 404) and anything unexpected, become
the envelope here too; every answer, success or error, records its metric in the same
place. Powertools' `enable_validation` stays off: bodies are validated by our models
(bodies.py), which keeps the OpenAPI machinery out of the cold start; the
RequestValidationError handler below still covers any route that turns it on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from instance_api import wiring
from instance_api.body_size import sized_body
from instance_api.details import invalid
from instance_api.envelope import Operation, error_body, success_body
from instance_api.errors import (
    ApiError,
    BadRequest,
    InternalError,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    Unavailable,
    UnsupportedMediaType,
    clip,
)
from instance_api.http_query import path_namespace
from instance_api.observability import logger, record_outcome
from instance_api.routes import INSTANCE_PATH, INSTANCE_RESOURCES, NAMESPACED_INSTANCE_PATH, NAMESPACED_ROUTE

JSON = "application/json"

_SERVICE_ERRORS: dict[int, Callable[[str], ApiError]] = {
    HTTPStatus.BAD_REQUEST: BadRequest,
    HTTPStatus.NOT_FOUND: NotFound,
    HTTPStatus.METHOD_NOT_ALLOWED: MethodNotAllowed,
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: PayloadTooLarge,
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE: UnsupportedMediaType,
    HTTPStatus.SERVICE_UNAVAILABLE: lambda _message: Unavailable(),
}

# The operation a request asks for: fixed for most functions, read from the event for the
# get function (one route answers both get and list).
OperationOf = Operation | Callable[[APIGatewayProxyEvent], Operation]


@dataclass(frozen=True, slots=True)
class Call:
    """What an operation's function gets: the request, the operation it asks for, and the
    namespace its path scopes it to (None on the seed's cluster-wide path)."""

    event: APIGatewayProxyEvent
    operation: Operation
    lambda_context: LambdaContext
    namespace: str | None


class InstanceApi(APIGatewayRestResolver):
    def __init__(self) -> None:
        super().__init__()
        self._operation_of: Callable[[APIGatewayProxyEvent], Operation] = lambda _event: "request"
        self._methods: set[str] = set()
        self.exception_handler(ApiError)(self._api_error)
        self.exception_handler(RequestValidationError)(self._powertools_validation)
        self.exception_handler(RequestUnsupportedContentType)(self._powertools_media_type)
        self.exception_handler(ServiceError)(self._powertools_service_error)
        self.not_found(self._no_route)
        self.exception_handler(Exception)(self._unexpected)

    def operation(self, method: str, name: OperationOf) -> Callable[[Callable[[Call], Any]], Callable[[Call], Any]]:
        """Route `method` on the instance paths to the decorated function, answering `name`."""
        operation_of = name if callable(name) else lambda _event: name
        self._operation_of = operation_of
        self._methods.add(method)

        def register(answer: Callable[[Call], Any]) -> Callable[[Call], Any]:
            def route(**_path: str) -> Response[str]:
                # The namespace as API Gateway parsed it (pathParameters), not Powertools' match.
                event = self.current_event
                operation = operation_of(event)
                data = answer(Call(event, operation, self.lambda_context, path_namespace(event)))
                return self._answer(HTTPStatus.OK, operation, success_body(operation, data))

            self.route(INSTANCE_PATH, method)(route)
            self.route(NAMESPACED_ROUTE, method)(route)
            return answer

        return register

    def _answer(
        self, status: int, operation: Operation, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> Response[str]:
        """The one way out: every response's metric, then its envelope as JSON."""
        record_outcome(operation, status)
        return Response(
            status_code=status, content_type=JSON, body=json.dumps(body, separators=(",", ":")), headers=headers
        )

    def _failure(self, error: ApiError) -> Response[str]:
        event = self.current_event
        request_id = event.request_context.request_id or getattr(self.lambda_context, "aws_request_id", "")
        operation = self._operation_of(event)
        return self._answer(error.status, operation, error_body(operation, error, request_id), error.headers)

    def _unexpected(self, error: Exception) -> Response[str]:
        logger.exception("unhandled error")
        return self._failure(InternalError())

    def _api_error(self, error: ApiError) -> Response[str]:
        if isinstance(error, Unavailable):
            logger.warning("DynamoDB unavailable after retries", exc_info=error.__cause__)
        return self._failure(error)

    def _powertools_validation(self, error: RequestValidationError) -> Response[str]:
        return self._failure(invalid(list(error.errors()), drop_prefix=("body",)))

    def _powertools_media_type(self, error: RequestUnsupportedContentType) -> Response[str]:
        return self._failure(UnsupportedMediaType("Content-Type must be application/json"))

    def _powertools_service_error(self, error: ServiceError) -> Response[str]:
        make = _SERVICE_ERRORS.get(error.status_code)
        if make is None:
            return self._unexpected(error)
        return self._failure(make(str(error.msg)))

    def _no_route(self, error: Exception) -> Response[str]:
        # The route fallback function answers here for every method or path the API does not
        # route; in the operation functions only a stray event, or a namespaced path whose
        # namespace has characters Powertools' router does not match, can get here. A body over
        # 64 KiB is 413 here too: size comes first, whatever the method or path.
        event = self.current_event
        try:
            sized_body(event)
        except ApiError as refused:
            return self._failure(refused)
        if event.resource not in INSTANCE_RESOURCES:
            return self._failure(NotFound(f"no route for {clip(event.path)}"))
        if event.resource == NAMESPACED_INSTANCE_PATH and event.http_method in self._methods:
            try:
                path_namespace(event)
            except ApiError as malformed:
                return self._failure(malformed)
            return self._failure(NotFound(f"no route for {clip(event.path)}"))
        allowed = wiring.settings().allowed_methods
        message = f"method {event.http_method} is not allowed on {event.resource}"
        return self._failure(
            MethodNotAllowed(
                message + (f"; allowed: {allowed}" if allowed else ""),
                headers={"Allow": allowed} if allowed else None,
            )
        )
