"""The one resolver factory every function uses, so every function answers errors alike.

Each function builds its `APIGatewayRestResolver` here. The exception handlers turn our
`ApiError`s, Powertools' own errors (its 422 request-validation shape, its ServiceError
`{"statusCode","message"}` shape, its 404) and anything unexpected into the envelope.
Powertools' `enable_validation` stays off: the body is validated by our models
(bodies.py), which keeps the OpenAPI machinery out of the cold start; the
RequestValidationError handler below still covers any route that turns it on.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

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
)
from instance_api.observability import logger, record_outcome
from instance_api.request_parsing import field_errors, invalid

INSTANCE_PATH = "/api/v1/instance"
JSON = "application/json"

_SERVICE_ERRORS: dict[int, Callable[[str], ApiError]] = {
    HTTPStatus.BAD_REQUEST: BadRequest,
    HTTPStatus.NOT_FOUND: NotFound,
    HTTPStatus.METHOD_NOT_ALLOWED: MethodNotAllowed,
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: PayloadTooLarge,
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE: UnsupportedMediaType,
    HTTPStatus.SERVICE_UNAVAILABLE: lambda _message: Unavailable(),
}


def json_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response[str]:
    return Response(
        status_code=status,
        content_type=JSON,
        body=json.dumps(body, separators=(",", ":")),
        headers=headers,
    )


def ok(operation: Operation, data: Any) -> Response[str]:
    record_outcome(operation, HTTPStatus.OK)
    return json_response(HTTPStatus.OK, success_body(operation, data))


def build_app(operation: Operation | Callable[[APIGatewayProxyEvent], Operation]) -> APIGatewayRestResolver:
    """A resolver whose every error, expected or not, answers in the envelope.

    `operation` names the `message` ("create succeed"); the get function passes a callable
    because one route answers both get and list.
    """
    app = APIGatewayRestResolver()

    def current_operation() -> Operation:
        return operation(app.current_event) if callable(operation) else operation

    def failure(error: ApiError) -> Response[str]:
        event = app.current_event
        request_id = event.request_context.request_id or getattr(app.lambda_context, "aws_request_id", "")
        operation = current_operation()
        record_outcome(operation, error.status)
        return json_response(error.status, error_body(operation, error, request_id), error.headers)

    def unexpected(error: Exception) -> Response[str]:
        logger.exception("unhandled error")
        return failure(InternalError())

    @app.exception_handler(ApiError)
    def _api_error(error: ApiError) -> Response[str]:
        if isinstance(error, Unavailable):
            logger.warning("DynamoDB unavailable after retries", exc_info=error.__cause__)
        return failure(error)

    @app.exception_handler(RequestValidationError)
    def _powertools_validation(error: RequestValidationError) -> Response[str]:
        return failure(invalid(field_errors(list(error.errors()), drop_prefix=("body",))))

    @app.exception_handler(RequestUnsupportedContentType)
    def _powertools_media_type(error: RequestUnsupportedContentType) -> Response[str]:
        return failure(UnsupportedMediaType("Content-Type must be application/json"))

    @app.exception_handler(ServiceError)
    def _powertools_service_error(error: ServiceError) -> Response[str]:
        make = _SERVICE_ERRORS.get(error.status_code)
        if make is None:
            return unexpected(error)
        return failure(make(str(error.msg)))

    @app.not_found
    def _no_route(error: Exception) -> Response[str]:
        # The route fallback function answers here for every method or path the API does not
        # route; in the four operation functions only a stray event can get here.
        event = app.current_event
        if event.resource == INSTANCE_PATH:
            allowed = os.environ.get("ALLOWED_METHODS")
            return failure(
                MethodNotAllowed(
                    f"method {event.http_method} is not allowed on {INSTANCE_PATH}"
                    + (f"; allowed: {allowed}" if allowed else ""),
                    headers={"Allow": allowed} if allowed else None,
                )
            )
        return failure(NotFound(f"no route for {event.path}"))

    app.exception_handler(Exception)(unexpected)
    return app
